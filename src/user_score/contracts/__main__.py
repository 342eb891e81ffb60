"""``python -m user_score.contracts [--write]``: regenerate docs/data_contract.md's tables."""

from user_score.contracts.docs import main

main()

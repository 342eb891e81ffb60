"""``python -m user_score.demo_data``: write the raw demo catalog (see :mod:`.cli`)."""

from user_score.demo_data.cli import main

main()

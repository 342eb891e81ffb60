"""user-score"""

__version__ = "0.1"

"""sheetladder: career-ladder definitions to spreadsheets and back."""

__version__ = "0.1.0"

"""hone: a Python language server that makes Python code faster and more correct."""

__version__ = "0.1.0"

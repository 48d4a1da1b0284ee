"""The command line (`tsunagari`) and the demo."""

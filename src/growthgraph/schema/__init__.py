"""Strawberry types, inputs, enums and error types. No I/O: nested fields ask the context."""

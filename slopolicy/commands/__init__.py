"""One module per command; each has ``run(args) -> int``."""

# Exit codes: 0 nothing at or above --fail-on; 1 findings; 2 usage,
# configuration or repository error; 3 internal error.
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

"""Default limits of the wire contract. Servers may configure lower or higher values;
`GET /info` reports the ones in force."""

MAX_ITEMS_PER_REQUEST = 4096
MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_RESPONSE_CHARS = 100_000
MAX_GROUND_TRUTH_CHARS = 10_000
MAX_IMAGE_BYTES = 10 * 1024 * 1024

"""Default limits of the wire contract. Servers may configure lower or higher values;
`GET /info` reports the ones in force."""

MAX_ITEMS_PER_REQUEST = 4096
MAX_BODY_BYTES = 64 * 1024 * 1024
MAX_RESPONSE_CHARS = 100_000
MAX_GROUND_TRUTH_CHARS = 10_000
MAX_QUESTION_CHARS = 100_000
# Counts are enforced while the JSON is parsed (fixed here, so the schema states them).
MAX_CHOICES = 26
MAX_CHOICE_CHARS = 10_000
MAX_IMAGES_PER_ITEM = 8
MAX_IMAGE_BYTES = 10 * 1024 * 1024
# 4096 x 4096; Qwen2.5-VL's processor resizes to about 12.8 megapixels at most anyway.
MAX_IMAGE_PIXELS = 4096 * 4096

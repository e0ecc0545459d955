# ruff: noqa: E501
"""Cases from allenai/open-instruct's open_instruct/test_ground_truth_utils.py: PuzzleMatcherVerifier (answer tags and the
think section removed, then SQuAD-style normalized exact match) and GSM8KVerifier (last number of the response, compared
as a string). The F1Verifier tests give partial scores, and the LM-judge and IFEval tests no answer verdict; they are
left out. open_instruct/test_math_utils.py only tests strip_string's normalized output, not a verdict; no math-verifier
(MathVerifier) test exists at this commit.
"""

from tests.reward_server.scorers.outcome.public import PublicCase

SOURCE = "open-instruct"
_AT = (
    "allenai/open-instruct@e6c3044aa6201c8bfa4573c1b03142af599e730d open_instruct/test_ground_truth_utils.py"
)

CASES = [
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_basic_scenarios_0_simple_match",
        "The answer is 42",
        "answer is 42",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_basic_scenarios_1_with_thinking_tags",
        "<think>Let me solve this</think>Paris",
        "paris",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_basic_scenarios_2_with_answer_tags",
        "<answer>New York City!</answer>",
        "new york city",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_basic_scenarios_3_should_fail",
        "Wrong answer",
        "correct answer",
        False,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_basic_scenarios_4_complex_example",
        "<think>This is about geography</think><answer>The capital of France is Paris.</answer>",
        "capital of france is paris",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_0_exact_match_numbers",
        "42",
        "42",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_1_exact_match_text",
        "hello world",
        "hello world",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_2_case_insensitive",
        "Hello World",
        "hello world",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_3_thinking_tags_match",
        "<think>Let me think about this...</think>42",
        "42",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_4_thinking_tags_text_match",
        "<think>This is complex</think>hello world",
        "hello world",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_5_thinking_tags_no_match",
        "<think>Analysis...</think>Wrong Answer",
        "42",
        False,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_6_answer_tags_match",
        "<answer>42</answer>",
        "42",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_7_answer_tags_text_match",
        "<answer>hello world</answer>",
        "hello world",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_8_answer_tags_no_match",
        "<answer>wrong</answer>",
        "42",
        False,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_9_both_tags_match",
        "<think>Thinking...</think><answer>42</answer>",
        "42",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_10_both_tags_text_match",
        "<think>Let me solve this step by step</think><answer>hello world</answer>",
        "hello world",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_11_remove_articles_punctuation",
        "The answer is 42!",
        "answer is 42",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_12_remove_article_a",
        "A simple test.",
        "simple test",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_13_remove_punctuation",
        "Hello, world!",
        "hello world",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_14_normalize_whitespace",
        "  hello   world  ",
        "hello world",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_15_replace_tabs_newlines",
        "hello\tworld\n",
        "hello world",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_16_numbers_no_match",
        "42",
        "43",
        False,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_17_text_no_match",
        "hello",
        "world",
        False,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_18_empty_vs_nonempty",
        "",
        "42",
        False,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_19_capital_city",
        "<answer>London</answer>",
        "london",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_20_animal_with_article",
        "<think>Animal question</think>The elephant",
        "elephant",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_21_scientist_name",
        "<answer>Albert Einstein</answer>",
        "albert einstein",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_22_literature_reference",
        "Romeo and Juliet by Shakespeare",
        "romeo and juliet by shakespeare",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestPuzzleMatcherVerifier::test_puzzle_matcher_scenarios_23_country_name",
        "<answer>United States of America</answer>",
        "united states of america",
        True,
        answer_type="free_form",
    ),
    PublicCase(
        f"{_AT}::TestGSM8KVerifier::test_signed_number_extraction_0_negative_integer",
        "Therefore the answer is -3",
        "-3",
        True,
    ),
    PublicCase(
        f"{_AT}::TestGSM8KVerifier::test_signed_number_extraction_1_positive_integer",
        "Therefore the answer is +7",
        "+7",
        True,
    ),
    PublicCase(
        f"{_AT}::TestGSM8KVerifier::test_signed_number_extraction_2_negative_decimal",
        "Final answer: -3.5",
        "-3.5",
        True,
    ),
    PublicCase(
        f"{_AT}::TestGSM8KVerifier::test_signed_number_extraction_3_boxed_negative_integer",
        r"The result is \\boxed{-3}",
        "-3",
        True,
        note="The answer text has a doubled backslash before 'boxed' (the peer writes r\"\\\\boxed{-3}\" in a raw string, which keeps both), as in its test; its GSM8K verifier takes the last number, -3, and never reads the box as LaTeX.",
    ),
    PublicCase(
        f"{_AT}::TestGSM8KVerifier::test_signed_number_extraction_4_wrong_sign",
        "Therefore the answer is 3",
        "-3",
        False,
    ),
]

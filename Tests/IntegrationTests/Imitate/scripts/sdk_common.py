"""What the /imitate test scripts share: the client as the Swift side configures it, and errors as JSON."""
import json
import os
import sys
import time

import openai


def client():
    # No retries: a test asserts the first answer (the SDK would wait out a Retry-After and ask again).
    return openai.OpenAI(base_url=os.environ["OPENAI_BASE_URL"], api_key=os.environ["OPENAI_API_KEY"],
                         max_retries=0, timeout=float(os.environ.get("SDK_TIMEOUT", "60")))


def error_json(error):
    """The exception the SDK raised, with what a test asserts on."""
    result = {"class": type(error).__name__, "message": str(error),
              "is_api_error": isinstance(error, openai.APIError)}
    for name in ("status_code", "param", "code", "type", "body"):
        value = getattr(error, name, None)
        if value is not None:
            result[name] = value
    response = getattr(error, "response", None)
    if response is not None:
        result["headers"] = {name.lower(): value for name, value in response.headers.items()}
    return result


def spec():
    """The script's input: a JSON object on argv[1]."""
    return json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}


def emit(result):
    result["now"] = time.time()
    json.dump(result, sys.stdout, default=str)
    sys.stdout.write("\n")

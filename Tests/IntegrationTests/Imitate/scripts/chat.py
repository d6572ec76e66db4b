"""Runs chat.completions.create for each request of the spec ({"requests": [kwargs, …]}) and prints, per request,
the SDK's view: every chunk (streamed) or the completion, the joined text and reasoning, or the exception."""
from sdk_common import client, emit, error_json, spec


def streamed(sdk, kwargs):
    result = {"chunks": [], "content": "", "reasoning": "", "finish_reasons": []}
    try:
        for chunk in sdk.chat.completions.create(**kwargs):
            dumped = chunk.model_dump()
            result["chunks"].append(dumped)
            for choice in dumped.get("choices") or []:
                delta = choice.get("delta") or {}
                result["content"] += delta.get("content") or ""
                result["reasoning"] += delta.get("reasoning_content") or ""
                if choice.get("finish_reason") is not None:
                    result["finish_reasons"].append(choice["finish_reason"])
        result["ok"] = True
    except Exception as error:  # noqa: BLE001 - every exception is the test's evidence
        result["ok"] = False
        result["error"] = error_json(error)
    return result


def whole(sdk, kwargs):
    try:
        completion = sdk.chat.completions.create(**kwargs)
        return {"ok": True, "completion": completion.model_dump()}
    except Exception as error:  # noqa: BLE001
        return {"ok": False, "error": error_json(error)}


def main():
    sdk = client()
    results = [streamed(sdk, kwargs) if kwargs.get("stream") else whole(sdk, kwargs)
               for kwargs in spec().get("requests", [])]
    emit({"results": results})


main()

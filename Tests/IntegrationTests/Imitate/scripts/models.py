"""Lists the models through the SDK (client.models.list()) and prints them, or the exception."""
from sdk_common import client, emit, error_json


def main():
    try:
        models = [model.model_dump() for model in client().models.list()]
        emit({"ok": True, "models": models})
    except Exception as error:  # noqa: BLE001
        emit({"ok": False, "error": error_json(error)})


main()

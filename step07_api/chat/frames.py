"""What a client may send, checked before anything reaches a group."""

import json

MAX_MESSAGE_LENGTH = 2000


class BadFrame(Exception):
    """A frame the server refuses; `code` is for programs, `detail` for people."""

    def __init__(self, code, detail):
        super().__init__(detail)
        self.code = code
        self.detail = detail

    def as_frame(self):
        """The error frame sent back to the sender."""
        return {"type": "error", "error": self.code, "detail": self.detail}


def decode_object(text_data, bytes_data):
    """The JSON object in a text frame, or BadFrame."""
    if text_data is None:
        raise BadFrame("binary_frame", "Send text frames holding JSON; binary frames are refused.")
    try:
        data = json.loads(text_data)
    except ValueError:
        raise BadFrame("invalid_json", "The frame is not valid JSON.") from None
    except RecursionError:
        # About a thousand "[" in a row exceed Python's recursion limit: refuse, do not crash.
        detail = "The frame nests arrays or objects too deeply."
        raise BadFrame("too_deeply_nested", detail) from None
    if not isinstance(data, dict):
        raise BadFrame("not_an_object", 'The frame must be a JSON object, like {"message": "hi"}.')
    return data


def unstorable(text):
    """What in TEXT no database or channel layer can take (a sentence's end), or None."""
    if "\x00" in text:
        # PostgreSQL text cannot hold NUL, and no chat message needs one.
        return "NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # JSON may spell "\ud800", half of a UTF-16 pair: no character, so UTF-8 cannot encode
        # it, and the database, or the Redis layer's msgpack, would raise inside the consumer.
        return "unpaired surrogates (\\ud800 to \\udfff)"
    return None


def clean_message(data):
    """The trimmed `message` text of a frame, or BadFrame."""
    if "message" not in data:
        raise BadFrame("missing_message", 'The frame has no "message" key.')
    message = data["message"]
    if not isinstance(message, str):
        raise BadFrame("invalid_message", '"message" must be a string.')
    if problem := unstorable(message):
        raise BadFrame("invalid_message", f'"message" may not contain {problem}.')
    message = message.strip()
    if not message:
        raise BadFrame("blank_message", '"message" is empty once white space is trimmed.')
    if len(message) > MAX_MESSAGE_LENGTH:
        raise BadFrame(
            "message_too_long", f'"message" is longer than {MAX_MESSAGE_LENGTH} characters.'
        )
    return message

"""An instant local stand-in for dog.ceo's random-image API, for the end-to-end registration benchmark.

`GET /api/breeds/image/random` answers at once with `{"message":
"https://images.dog.ceo/breeds/...jpg", "status": "success"}` (one of a few
real-looking picture URLs, on dog.ceo's own host, which the service's default
`DOG_CEO_ALLOWED_PICTURE_HOSTS` accepts); `GET /count` answers how many random
images it has served. Anything else is 404. A threaded HTTP server in its own
process, so that it does not share the benchmark's interpreter lock:

    python bench/dogs/dog_ceo.py PORT
"""

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PICTURES = [
    "https://images.dog.ceo/breeds/papillon/n02086910_6483.jpg",
    "https://images.dog.ceo/breeds/hound-afghan/n02088094_1003.jpg",
    "https://images.dog.ceo/breeds/retriever-golden/n02099601_3004.jpg",
    "https://images.dog.ceo/breeds/terrier-border/n02093754_2246.jpg",
    "https://images.dog.ceo/breeds/poodle-standard/n02113799_2280.jpg",
]
_lock = threading.Lock()
_count = 0


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        global _count
        if self.path.split("?")[0] == "/api/breeds/image/random":
            with _lock:
                _count += 1
                picture = PICTURES[_count % len(PICTURES)]
            self._answer(200, {"message": picture, "status": "success"})
        elif self.path == "/count":
            self._answer(200, {"count": _count})
        else:
            self._answer(404, {"message": "No route found", "status": "error", "code": 404})

    def _answer(self, status: int, body: dict) -> None:
        content = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def log_message(self, format, *args):
        pass


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()

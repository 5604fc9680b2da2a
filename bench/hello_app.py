"""The yardstick: a bare Flask "hello", served by the same gunicorn settings as Groundwork."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"

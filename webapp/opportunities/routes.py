"""Opportunity: update in two taps, with its history. (Stub, filled in by the foundation work.)"""
from flask import Blueprint

bp = Blueprint("opportunities", __name__, url_prefix="/opportunities")

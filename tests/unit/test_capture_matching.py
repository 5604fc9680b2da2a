"""When a company or person a rep is about to add is probably one the team already has."""
from __future__ import annotations

import pytest

from webapp.domain.account_matching import company_key, email_key, same_company, search_word


@pytest.mark.parametrize("typed, known", [
    ("ACME corp.", "Acme Corporation"),
    ("Acme", "Acme, Inc."),
    ("Globexx", "Globex Corporation"),
    ("Société Générale", "Societe Generale SA"),
    ("Smith & Sons", "Smith and Sons Ltd"),
])
def test_the_same_company_spelled_differently_is_offered(typed, known):
    assert same_company(typed, known)


@pytest.mark.parametrize("typed, known", [
    ("Acme", "Apex"),
    ("Northwind Traders", "Northwind Health"),
    ("Initech", "Initrode"),
    ("", "Acme"),
])
def test_different_companies_are_not_offered(typed, known):
    assert not same_company(typed, known)


def test_a_name_made_only_of_legal_words_keeps_them():
    assert company_key("The Company") == "the company"


def test_the_search_word_is_the_most_telling_word():
    assert search_word("The Blue Dairy Group") == "dairy"


def test_emails_compare_without_case_or_spaces():
    assert email_key("  Ana@Example.COM ") == "ana@example.com"

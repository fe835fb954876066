"""Issuer routes: credentials."""

from fastapi import APIRouter

router = APIRouter()

"""Issuer routes: keys."""

from fastapi import APIRouter

router = APIRouter()

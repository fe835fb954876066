"""Issuer routes: dids."""

from fastapi import APIRouter

router = APIRouter()

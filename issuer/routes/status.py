"""Issuer routes: status."""

from fastapi import APIRouter

router = APIRouter()

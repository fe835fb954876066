"""Issuer routes: registry."""

from fastapi import APIRouter

router = APIRouter()

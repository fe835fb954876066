"""Issuer routes: schemas."""

from fastapi import APIRouter

router = APIRouter()

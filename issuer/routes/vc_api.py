"""Issuer routes: vc_api."""

from fastapi import APIRouter

router = APIRouter()

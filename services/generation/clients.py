"""The providers' SDK clients, made from plain values (keys, base URLs, a timeout): one per
provider that has credentials. They never retry on their own (the Guard does) and honour
the base URLs of gateways and proxies."""

from __future__ import annotations

from google import genai
from google.genai import types as genai_types
from openai import AsyncOpenAI

from services.generation.lineup import Clients

BACKSTOP_MARGIN = 5.0
"""Seconds an SDK waits beyond the longest call a Guard allows: the Guard times out first."""


def connect_clients(
    *,
    longest_call: float,
    openai_api_key: str | None = None,
    openai_base_url: str | None = None,
    google_api_key: str | None = None,
    google_gemini_base_url: str | None = None,
    google_vertex_api_key: str | None = None,
    google_vertex_base_url: str | None = None,
    google_cloud_project: str | None = None,
    google_cloud_location: str = "us-central1",
) -> Clients:
    """OpenAI with its key; Gemini with its key; Vertex AI in express mode (its key) or
    else with Application Default Credentials (a project). None for the others."""
    backstop = longest_call + BACKSTOP_MARGIN
    http_options = genai_types.HttpOptions(timeout=int(backstop * 1000))
    openai_client = google_client = vertex_client = None
    if openai_api_key:
        openai_client = AsyncOpenAI(
            api_key=openai_api_key, base_url=openai_base_url, max_retries=0, timeout=backstop
        )
    if google_api_key:
        google_client = genai.Client(
            vertexai=False,
            api_key=google_api_key,
            http_options=http_options.model_copy(update={"base_url": google_gemini_base_url}),
        )
    vertex_options = http_options.model_copy(update={"base_url": google_vertex_base_url})
    if google_vertex_api_key:  # Vertex AI express mode
        vertex_client = genai.Client(
            vertexai=True, api_key=google_vertex_api_key, http_options=vertex_options
        )
    elif google_cloud_project:  # Application Default Credentials
        vertex_client = genai.Client(
            vertexai=True,
            project=google_cloud_project,
            location=google_cloud_location,
            http_options=vertex_options,
        )
    return Clients(openai=openai_client, google=google_client, vertex=vertex_client)

# The bot's one image: `python -m bot web` by default; the same image runs
# `python -m bot worker` and `python -m bot migrate` (see docker-compose.yml).
# Not built on the development machine (no Docker engine there); tests/test_deploy.py checks
# that every command it runs exists and every variable it sets is a setting.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --create-home --uid 10001 --user-group bot
WORKDIR /app

# The whole source, owned by root (.dockerignore keeps out .git, .venv, data, tests, bench and .env):
# locales/ and any data file found beside the packages are read from here at run time,
# so the package is installed in place (editable) rather than copied to site-packages.
COPY . /app
RUN pip install -e . \
    && mkdir -p /app/data/media \
    && chown -R bot:bot /app/data

USER bot
# 8080: WEB_PORT (public: the webhook, the Mini App, /healthz); 9090: OPS_PORT (private:
# /metrics and /readyz for Prometheus and the operator; never publish it).
EXPOSE 8080 9090
CMD ["python", "-m", "bot", "web"]

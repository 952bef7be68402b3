# One image for the Rasa instances, the action server and the review app (docker-compose.yml picks the command).
# Build after `make train`: the trained model is copied in, never trained at start-up.
# The web chat page's JavaScript: the socket.io client from the npm registry (webchat/package-lock.json).
FROM node:20-bookworm-slim AS webchat
WORKDIR /webchat
COPY webchat/package.json webchat/package-lock.json webchat/build.mjs ./
COPY webchat/src ./src
RUN npm ci --ignore-scripts --no-audit --no-fund && npm run --silent build

FROM python:3.10-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    PIP_NO_CACHE_DIR=1 \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    RASA_TELEMETRY_ENABLED=false

WORKDIR /app
COPY requirements.txt requirements.lock ./
RUN pip install "pip==24.0" && pip install -r requirements.txt -c requirements.lock

COPY . .
COPY --from=webchat /webchat/dist webchat/dist
RUN test -f models/pointe-claire.tar.gz || (echo "run 'make train' before 'docker compose build'" >&2; exit 1) \
    && useradd --system --home-dir /app --no-create-home assistant \
    && chown -R assistant /app
USER assistant

EXPOSE 5005 5055 5006
CMD ["rasa", "run", "--model", "models/pointe-claire.tar.gz", "--endpoints", "deploy/endpoints.yml", \
     "--credentials", "credentials.yml", "--port", "5005"]

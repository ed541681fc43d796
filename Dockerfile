# The API image used by compose.yaml (the database runs in the neo4j service).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY influence ./influence
COPY engine ./engine
COPY api ./api
COPY loaders ./loaders
COPY schema ./schema
RUN pip install --no-cache-dir . && useradd --create-home influence
USER influence
ENV INFLUENCE_API_HOST=0.0.0.0
EXPOSE 8000
CMD ["influence", "serve"]

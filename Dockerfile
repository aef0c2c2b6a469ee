FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY worker ./worker
COPY models ./models
RUN pip install --no-cache-dir .
RUN useradd --create-home sieve
USER sieve
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "--threads", "4", "--preload", "service.wsgi:app"]

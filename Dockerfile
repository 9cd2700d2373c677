FROM python:3.11-slim
WORKDIR /app
# The CPU build of torch first: the default index would pull gigabytes of CUDA builds.
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md celeryconfig.py beat_schedule.py ./
COPY tasks ./tasks
RUN pip install --no-cache-dir '.[embeddings,fixers]'
RUN useradd --create-home platform && mkdir -p /data && chown platform /data
USER platform

FROM python:3.11-slim
WORKDIR /app
COPY constraints.txt ./
# The CPU build of torch first (the pinned release): the default index would pull gigabytes of CUDA builds.
RUN pip install --no-cache-dir -c constraints.txt torch --index-url https://download.pytorch.org/whl/cpu
COPY pyproject.toml README.md celeryconfig.py beat_schedule.py ./
COPY tasks ./tasks
RUN pip install --no-cache-dir -c constraints.txt '.[embeddings,fixers]'
RUN useradd --create-home platform && mkdir -p /data && chown platform /data
USER platform

FROM python:3.11-slim
WORKDIR /app
COPY constraints.txt pyproject.toml ./
# The CPU build of torch first (the pinned release): the default index would pull gigabytes of CUDA builds.
RUN pip install --no-cache-dir -c constraints.txt torch --index-url https://download.pytorch.org/whl/cpu
# The dependencies from pyproject.toml alone, before any code: a change to the code reuses this layer.
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; extras = p['optional-dependencies']; print('\n'.join(p['dependencies'] + extras['embeddings'] + extras['fixers']))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -c constraints.txt -r /tmp/requirements.txt
COPY README.md celeryconfig.py beat_schedule.py ./
COPY tasks ./tasks
RUN pip install --no-cache-dir --no-deps '.[embeddings,fixers]'
RUN useradd --create-home platform && mkdir -p /data && chown platform /data
USER platform

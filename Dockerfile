FROM python:3.11-slim
WORKDIR /app
# The CPU build of torch first: the default index would pull gigabytes of CUDA builds.
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
# The dependencies from pyproject.toml alone, before any code: a change to the code reuses this layer.
COPY pyproject.toml ./
RUN python -c "import tomllib; p = tomllib.load(open('pyproject.toml', 'rb'))['project']; extras = p['optional-dependencies']; print('\n'.join(p['dependencies'] + extras['embeddings'] + extras['fixers']))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt
COPY README.md celeryconfig.py beat_schedule.py ./
COPY tasks ./tasks
RUN pip install --no-cache-dir --no-deps '.[embeddings,fixers]'
RUN useradd --create-home platform && mkdir -p /data && chown platform /data
USER platform

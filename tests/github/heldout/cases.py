"""The broken projects behind the evaluation logs: files, the failing step's script, the labels."""

from __future__ import annotations

from dataclasses import dataclass, field

Expected = dict[str, str | int]


@dataclass
class Case:
    name: str
    category: str
    #: The failing step's `run:` script (its first line names the step in the log).
    script: str
    files: dict[str, str] = field(default_factory=dict)
    expected: list[Expected] = field(default_factory=list)
    step_env: dict[str, str] = field(default_factory=dict)
    #: Lines the runner prints instead of the step's exit code (a lost runner, a cancellation).
    runner_lines: list[str] = field(default_factory=list)
    #: 1: split by name into tune and held-out; 2 and 3: tune (each measured once first); 4: held out whole.
    batch: int = 1


CART = "def total(prices):\n    return sum(prices) * 1.2\n\n\ndef count(items):\n    return len(items) + 1\n"
TEST_CART = (
    "from shop.cart import count, total\n\n\ndef test_total():\n    assert total([10, 10]) == 20\n\n\n"
    "def test_count():\n    assert count([1, 2]) == 2\n"
)
SHOP = {"shop/__init__.py": "", "shop/cart.py": CART, "conftest.py": ""}
PY_LINT = "import sys\nimport os\n\n\ndef area(r):\n    l = 3.14 * r * r\n    return undefined + r\n"
PY_STYLE = "import os\ndef f(a,b):\n    x=1\n    return a+b   \n"
PY_TYPES = (
    "from typing import Optional\n\n\ndef name(user: dict[str, str]) -> str:\n    return user.get('name')\n\n\n"
    "def age(value: Optional[int]) -> int:\n    return value + 1\n"
)
PY_UNSORTED = "import sys\nimport os\nfrom collections import OrderedDict, defaultdict\nimport json\n"
PY_UNFORMATTED = "x = {  'a':37,'b':42,\n'c':927}\ndef g( y ) :\n  return y\n"
SETUP_BROKEN = (
    "from setuptools import setup\n\nraise RuntimeError('libfoo-dev headers not found: install libfoo-dev')\n"
    "setup(name='fastparse', version='0.1')\n"
)
C_MAIN = '#include <stdio.h>\n#include "util.h"\n\nint main(void) {\n    int n = parse(argv[1]);\n    return n;\n}\n'
C_UTIL_H = "int parse(const char *s);\n"
MAKEFILE = "CC=gcc\nCFLAGS=-Wall -Werror\n\napp: main.o util.o\n\t$(CC) -o app main.o util.o\n"
CPP_MAIN = "#include <vector>\n\nint main() {\n    std::vector<int> v = {1, 2};\n    v.push_bak(3);\n    return 0;\n}\n"
CARGO_TOML = '[package]\nname = "shop"\nversion = "0.2.0"\nedition = "2021"\n\n[dependencies]\n'
RUST_MAIN = (
    "fn main() {\n    let items = vec![1, 2, 3];\n    let total: u32 = items.iter().sum();\n"
    '    println!("{}", totl);\n}\n'
)
RUST_LIB = (
    "pub fn discount(price: u32) -> u32 {\n    price - price / 10 - 1\n}\n\n#[cfg(test)]\nmod tests {\n"
    "    use super::*;\n\n    #[test]\n    fn ten_percent() {\n        assert_eq!(discount(100), 90);\n    }\n}\n"
)
RUST_CLIPPY = 'fn main() {\n    let v = vec![1, 2, 3];\n    if v.len() == 0 {\n        println!("empty");\n    }\n}\n'
RUST_UNFORMATTED = 'fn main(){let x=1;\nprintln!("{}",x);}\n'
ESLINTRC = '{"root": true, "parserOptions": {"ecmaVersion": 2022, "sourceType": "module"}, "env": {"node": true},'
ESLINTRC += ' "rules": {"no-unused-vars": "error", "no-undef": "error", "eqeqeq": "error"}}\n'
JS_LINT = "const tax = 0.2;\nexport function price(p) {\n  if (p == null) return 0;\n  return p * rate;\n}\n"
TS_CODE = (
    "interface Item {\n  name: string;\n  price: number;\n}\n\nexport function label(item: Item): string {\n"
    "  return item.price;\n}\n\nexport const first: Item = { name: 'a' };\n"
)
TSCONFIG = (
    '{"compilerOptions": {"strict": true, "noEmit": true, "target": "es2020", "types": []}, "include": ["src"]}\n'
)
JEST_SRC = "function vat(x) {\n  return x * 1.19;\n}\nmodule.exports = { vat };\n"
JEST_TEST = (
    "const { vat } = require('./vat');\n\ntest('adds twenty percent', () => {\n  expect(vat(100)).toBe(120);\n});\n"
)
BUILD_JS = (
    "const fs = require('fs');\nconst config = JSON.parse(fs.readFileSync('build.config.json', 'utf8'));\n"
    "console.log('bundling', config.entry);\n"
)


def pkg(scripts: str = "{}", extra: str = "") -> str:
    return f'{{"name": "shop", "version": "1.0.0", "private": true, "scripts": {scripts}{extra}}}\n'


HYPOTHESIS_TEST = (
    "from hypothesis import given, strategies as st\nfrom shop.cart import count\n\n\n"
    "@given(st.lists(st.integers()))\ndef test_count_is_length(items):\n    assert count(items) == len(items)\n"
)
DOCTEST_MODULE = 'def half(x):\n    """\n    >>> half(4)\n    2\n    """\n    return x / 2\n'
MOCHA_TEST = (
    "const assert = require('assert');\nconst { vat } = require('../vat');\n\ndescribe('vat', () => {\n"
    "  it('adds twenty percent', () => {\n    assert.strictEqual(vat(100), 120);\n  });\n});\n"
)
NODE_TEST = (
    "const test = require('node:test');\nconst assert = require('node:assert');\nconst { vat } = require('./vat');\n\n"
    "test('vat adds twenty percent', () => {\n  assert.strictEqual(vat(100), 120);\n});\n"
)
STALE_LOCK = (
    '{"name": "shop", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": {"": '
    '{"name": "shop", "version": "1.0.0", "dependencies": {"left-pad": "1.3.0"}}, "node_modules/left-pad": '
    '{"version": "1.3.0", "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz", '
    '"integrity": "sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQEbHuR9ZHt3YZ0SB4tsHPmE0J8i6qcnG5q4E+VT3J+3HBA=="}}}\n'
)
#: Batch 2 (measured once as held out, then tuned on).
BATCH_2: tuple[Case, ...] = (
    Case(
        name="yamllint",
        category="lint",
        script="yamllint -s .github/workflows",
        files={
            ".github/workflows/ci.yml": "on:\n  push:\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
            "    steps:\n      - run: echo hi   \n      - run: echo hi\n      - run: echo hi\n"
        },
        expected=[{"file": ".github/workflows/ci.yml", "line": 7}],
        batch=2,
    ),
    Case(
        name="bandit",
        category="lint",
        script="bandit -r src -ll",
        files={"src/run.py": "import subprocess\n\n\ndef go(cmd):\n    return subprocess.call(cmd, shell=True)\n"},
        expected=[{"file": "src/run.py", "line": 5}],
        batch=2,
    ),
    Case(
        name="codespell",
        category="lint",
        script="codespell src README.md",
        files={"README.md": "This shop recieves orders.\n", "src/x.py": "# teh cart\n"},
        expected=[{"file": "README.md", "line": 1}],
        batch=2,
    ),
    Case(
        name="pydocstyle",
        category="lint",
        script="pydocstyle shop",
        files=SHOP,
        expected=[{"file": "shop/cart.py", "line": 1}],
        batch=2,
    ),
    Case(
        name="pytest_xdist",
        category="test",
        script="pytest -n 2 -q tests",
        files={**SHOP, "tests/test_cart.py": TEST_CART},
        expected=[{"file": "tests/test_cart.py", "line": 5}],
        batch=2,
    ),
    Case(
        name="pytest_doctest",
        category="test",
        script="pytest --doctest-modules shop",
        files={"shop/__init__.py": "", "shop/half.py": DOCTEST_MODULE, "conftest.py": ""},
        expected=[{"file": "shop/half.py"}],
        batch=2,
    ),
    Case(
        name="pytest_hypothesis",
        category="test",
        script="pytest tests/test_props.py",
        files={**SHOP, "tests/test_props.py": HYPOTHESIS_TEST},
        expected=[{"file": "tests/test_props.py", "line": 7}],
        batch=2,
    ),
    Case(
        name="mocha",
        category="test",
        script="npx mocha",
        files={"vat.js": JEST_SRC, "test/vat.spec.js": MOCHA_TEST, "package.json": pkg()},
        expected=[{"text": "adds twenty percent"}],
        batch=2,
    ),
    Case(
        name="node_test_runner",
        category="test",
        script="node --test",
        files={"vat.js": JEST_SRC, "vat.test.js": NODE_TEST},
        expected=[{"text": "vat adds twenty percent"}],
        batch=2,
    ),
    Case(
        name="gnu_timeout",
        category="timeout",
        script="timeout 2 python scripts/load.py",
        files={"scripts/load.py": "import time\nprint('loading fixtures', flush=True)\ntime.sleep(30)\n"},
        expected=[],
        batch=2,
    ),
    Case(
        name="python_memory_error",
        category="infrastructure",
        script="ulimit -v 400000\npython scripts/index.py",
        files={"scripts/index.py": "rows = []\nwhile True:\n    rows.append(' ' * 10_000_000)\n"},
        expected=[{"text": "MemoryError"}],
        batch=2,
    ),
    Case(
        name="pip_hash_mismatch",
        category="dependency",
        script="pip install --require-hashes -r requirements.lock",
        files={"requirements.lock": "six==1.16.0 --hash=sha256:" + "0" * 64 + "\n"},
        expected=[{"text": "DO NOT MATCH THE HASHES"}],
        batch=2,
    ),
    Case(
        name="npm_ci_out_of_sync",
        category="dependency",
        script="npm ci --no-audit",
        files={
            "package.json": pkg(extra=', "dependencies": {"left-pad": "1.3.0", "is-odd": "3.0.1"}'),
            "package-lock.json": STALE_LOCK,
        },
        expected=[{"text": "in sync"}],
        batch=2,
    ),
    Case(
        name="gcc_werror",
        category="build",
        script="gcc -Wall -Werror -c src/cart.c -o cart.o",
        files={"src/cart.c": "int total(int n) {\n    int unused = 3;\n    return n * 2;\n}\n"},
        expected=[{"file": "src/cart.c", "line": 2}],
        batch=2,
    ),
    Case(
        name="make_recipe_missing_tool",
        category="build",
        script="make assets",
        files={"Makefile": "assets:\n\tsass styles/main.scss dist/main.css\n"},
        expected=[{"text": "sass: No such file or directory"}],
        batch=2,
    ),
    Case(
        name="mypy_missing_stubs",
        category="type_check",
        script="mypy shop",
        files={"shop/__init__.py": "", "shop/http.py": "import requests_oauthlib_shopx\n\nx: int = 'a'\n"},
        expected=[{"file": "shop/http.py", "line": 1}],
        batch=2,
    ),
)


CPP_CART_H = "struct Cart {\n    int total() const;\n};\n"
CPP_CART_MAIN = '#include "cart.h"\n\nint main() {\n    Cart cart;\n    return cart.total();\n}\n'
RUST_MISMATCH = 'fn main() {\n    let count: u32 = "3";\n    println!("{count}");\n}\n'
JEST_SLOW = (
    "test('loads the catalogue', async () => {\n  await new Promise((done) => setTimeout(done, 2000));\n}, 100);\n"
)
#: Batch 3 (measured once as held out, then tuned on).
BATCH_3: tuple[Case, ...] = (
    Case(
        name="vulture",
        category="lint",
        script="vulture shop --min-confidence 60",
        files={"shop/__init__.py": "", "shop/old.py": "import os\n\n\ndef legacy_total(x):\n    return x\n"},
        expected=[{"file": "shop/old.py", "line": 4}],
        batch=3,
    ),
    Case(
        name="interrogate",
        category="lint",
        script="interrogate -v --fail-under 80 shop",
        files=SHOP,
        expected=[{"text": "minimum: 80.0%"}],
        batch=3,
    ),
    Case(
        name="docformatter",
        category="format",
        script="docformatter --check -r shop",
        files={"shop/__init__.py": "", "shop/doc.py": 'def f():\n    """   Do things.   """\n'},
        expected=[{"file": "shop/doc.py"}],
        batch=3,
    ),
    Case(
        name="autoflake",
        category="lint",
        script="autoflake --check -r shop",
        files={"shop/__init__.py": "", "shop/imp.py": "import os\nimport sys\n\nprint(sys.argv)\n"},
        expected=[{"file": "shop/imp.py"}],
        batch=3,
    ),
    Case(
        name="pytest_cov_fail_under",
        category="test",
        script="pytest --cov=shop --cov-fail-under=90 tests",
        files={
            **SHOP,
            "shop/unused.py": "def a():\n    return 1\n\n\ndef b():\n    return 2\n",
            "tests/test_ok.py": "from shop.cart import total\n\n\ndef test_total():\n    assert total([0]) == 0\n",
        },
        expected=[{"text": "Required test coverage of 90% not reached"}],
        batch=3,
    ),
    Case(
        name="pytest_timeout_thread",
        category="timeout",
        script="pytest --timeout=1 --timeout-method=thread tests",
        files={"tests/test_hang.py": "import time\n\n\ndef test_hang():\n    time.sleep(10)\n"},
        expected=[{"text": "Timeout"}],
        batch=3,
    ),
    Case(
        name="jest_test_timeout",
        category="timeout",
        script="npx jest --ci catalogue",
        files={"catalogue.test.js": JEST_SLOW, "package.json": pkg()},
        expected=[{"text": "Exceeded timeout of 100 ms"}],
        batch=3,
    ),
    Case(
        name="npm_run_lint",
        category="lint",
        script="npm run lint",
        files={
            "src/price.js": JS_LINT,
            ".eslintrc.json": ESLINTRC,
            "package.json": pkg('{"lint": "eslint src"}'),
        },
        expected=[{"file": "src/price.js", "line": 4}],
        batch=3,
    ),
    Case(
        name="npm_run_typecheck",
        category="type_check",
        script="npm run typecheck",
        files={"src/item.ts": TS_CODE, "tsconfig.json": TSCONFIG, "package.json": pkg('{"typecheck": "tsc"}')},
        expected=[{"file": "src/item.ts", "line": 7}],
        batch=3,
    ),
    Case(
        name="cargo_check_e0308",
        category="build",
        script="cargo check --all-targets",
        files={"Cargo.toml": CARGO_TOML, "src/main.rs": RUST_MISMATCH},
        expected=[{"file": "src/main.rs", "line": 2}],
        batch=3,
    ),
    Case(
        name="cargo_offline_missing_crate",
        category="dependency",
        script="cargo build --offline",
        files={"Cargo.toml": CARGO_TOML + 'serde_shopx = "1.0"\n', "src/main.rs": "fn main() {}\n"},
        expected=[{"text": "serde_shopx"}],
        batch=3,
    ),
    Case(
        name="gpp_link_error",
        category="build",
        script="g++ -o shop main.cpp",
        files={"main.cpp": CPP_CART_MAIN, "cart.h": CPP_CART_H},
        expected=[{"text": "undefined reference to `Cart::total() const'"}],
        batch=3,
    ),
    Case(
        name="sigkill_137",
        category="infrastructure",
        script="python scripts/train.py",
        files={
            "scripts/train.py": "import os\nimport signal\n\nprint('epoch 1', flush=True)\n"
            "os.kill(os.getpid(), signal.SIGKILL)\n"
        },
        expected=[{"text": "Killed"}],
        batch=3,
    ),
    Case(
        name="cp_disk_full",
        category="infrastructure",
        script="cp shop/cart.py /dev/full",
        files=SHOP,
        expected=[{"text": "No space left on device"}],
        batch=3,
    ),
    Case(
        name="curl_refused",
        category="infrastructure",
        script="curl -fsS http://127.0.0.1:9/health",
        files={},
        expected=[{"text": "Failed to connect to 127.0.0.1 port 9"}],
        batch=3,
    ),
    Case(
        name="git_ls_remote_dns",
        category="infrastructure",
        script="git ls-remote https://git.shop-mirror.invalid/acme/vendor.git",
        files={},
        expected=[{"text": "Could not resolve host"}],
        batch=3,
    ),
    Case(
        name="pip_conflict_click",
        category="dependency",
        script="pip install 'black==23.12.1' 'click<7'",
        files={},
        expected=[{"text": "ResolutionImpossible"}],
        batch=3,
    ),
    Case(
        name="script_unbound_variable",
        category="unknown",
        script='set -u\necho "deploying to $DEPLOY_ENV"',
        files={},
        batch=3,
    ),
)


FIXTURE_RAISES = (
    "import pytest\n\n\n@pytest.fixture\ndef catalogue():\n    raise RuntimeError('catalogue service not seeded')\n\n\n"
    "def test_list(catalogue):\n    assert catalogue\n"
)
ENGINES_PACKAGE = (
    '{"name": "shop", "version": "1.0.0", "private": true, "engines": {"node": ">=99"}, '
    '"dependencies": {"left-pad": "1.3.0"}}\n'
)
NEW_PYTHON_PROJECT = (
    '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'
    '[project]\nname = "shop-core"\nversion = "0.1.0"\nrequires-python = ">=3.99"\n'
)
#: Batch 4: made after the classifier's last change, all held out.
BATCH_4: tuple[Case, ...] = (
    Case(
        name="pytest_fixture_raises",
        category="test",
        script="pytest -q tests/test_catalogue.py",
        files={**SHOP, "tests/test_catalogue.py": FIXTURE_RAISES},
        expected=[{"text": "catalogue service not seeded"}],
        batch=4,
    ),
    Case(
        name="unittest_import_error",
        category="test",
        script="python -m unittest tests.test_missing",
        files={**SHOP, "tests/__init__.py": "", "tests/test_missing.py": "from shop.payments import charge\n"},
        expected=[{"text": "No module named 'shop.payments'"}],
        batch=4,
    ),
    Case(
        name="eslint_max_warnings",
        category="lint",
        script="npx eslint --max-warnings 0 src",
        files={
            "src/price.js": "const tax = 0.2;\nexport const rate = 1;\n",
            ".eslintrc.json": ESLINTRC.replace('"no-unused-vars": "error"', '"no-unused-vars": "warn"'),
        },
        expected=[{"text": "too many warnings"}],
        batch=4,
    ),
    Case(
        name="prettier_list_different",
        category="format",
        script="npx prettier --list-different src",
        files={"src/a.js": "export   const  a = {b:1,\n  c:2}\n", "src/b.js": "export const b = 1;\n"},
        expected=[{"file": "src/a.js"}],
        batch=4,
    ),
    Case(
        name="jest_coverage_threshold",
        category="test",
        script='npx jest --ci --coverage --coverageThreshold=\'{"global":{"lines":95}}\'',
        files={
            "vat.js": JEST_SRC + "function unused() {\n  return 1;\n}\nmodule.exports.unused = unused;\n",
            "vat.test.js": JEST_TEST.replace("toBe(120)", "toBeCloseTo(119)"),
            "package.json": pkg(),
        },
        expected=[{"text": "coverage threshold for lines (95%) not met"}],
        batch=4,
    ),
    Case(
        name="gcc_missing_header",
        category="build",
        script="gcc -c src/zip.c -o zip.o",
        files={"src/zip.c": "#include <zlib_shopx.h>\n\nint main(void) { return 0; }\n"},
        expected=[{"file": "src/zip.c", "line": 1}],
        batch=4,
    ),
    Case(
        name="make_recursive_error",
        category="build",
        script="make -j2",
        files={
            "Makefile": "all:\n\t$(MAKE) -C lib\n",
            "lib/Makefile": "lib.o: lib.c\n\tgcc -c lib.c -o lib.o\n",
            "lib/lib.c": "int f(void) {\n    return limit * 2;\n}\n",
        },
        expected=[{"file": "lib.c", "line": 2}],
        batch=4,
    ),
    Case(
        name="pip_requires_python",
        category="dependency",
        script="pip install ./core",
        files={"core/pyproject.toml": NEW_PYTHON_PROJECT},
        expected=[{"text": "requires a different Python"}],
        batch=4,
    ),
    Case(
        name="pip_editable_bad_toml",
        category="dependency",
        script="pip install -e .",
        files={"pyproject.toml": '[project\nname = "shop"\n'},
        expected=[{"text": "Expected ']' at the end of a table declaration"}],
        batch=4,
    ),
    Case(
        name="npm_engine_strict",
        category="dependency",
        script="npm install --engine-strict --no-audit",
        files={"package.json": ENGINES_PACKAGE},
        expected=[{"text": "EBADENGINE"}],
        batch=4,
    ),
    Case(
        name="docker_daemon_down",
        category="infrastructure",
        script="docker pull postgres:16",
        files={},
        expected=[{"text": "Cannot connect to the Docker daemon"}],
        step_env={"DOCKER_HOST": "unix:///tmp/shop-no-docker.sock"},
        batch=4,
    ),
    Case(
        name="wget_refused",
        category="infrastructure",
        script="wget -O dump.sql http://127.0.0.1:9/dump.sql",
        files={},
        expected=[{"text": "Connection refused"}],
        batch=4,
    ),
    Case(
        name="python_subprocess_timeout",
        category="timeout",
        script="python scripts/smoke.py",
        files={
            "scripts/smoke.py": "import subprocess\n\nprint('starting server', flush=True)\n"
            "subprocess.run(['sleep', '5'], timeout=1, check=True)\n"
        },
        expected=[{"text": "timed out after"}],
        batch=4,
    ),
    Case(
        name="script_version_mismatch",
        category="unknown",
        script="./scripts/check-version.sh",
        files={
            "scripts/check-version.sh": "#!/bin/bash\nset -e\n"
            "echo 'package.json says 1.2.0, the tag is v1.3.0'\nexit 1\n"
        },
        batch=4,
    ),
)


CASES: tuple[Case, ...] = (
    # pytest 7, in failure styles the tuned logs lack.
    Case(
        "pytest_collection_import",
        "test",
        "python -m pytest tests",
        {**SHOP, "tests/test_orders.py": "from shop.orders import place\n\n\ndef test_place():\n    assert place()\n"},
        [{"file": "tests/test_orders.py"}, {"text": "No module named 'shop.orders'"}],
    ),
    Case(
        "pytest_fixture_missing",
        "test",
        "pytest -q",
        {**SHOP, "tests/test_db.py": "def test_rows(database):\n    assert database.rows() == []\n"},
        [{"text": "fixture 'database' not found"}],
    ),
    Case(
        "pytest_xfail_strict",
        "test",
        "pytest -o xfail_strict=true -rA",
        {
            **SHOP,
            "tests/test_known.py": "import pytest\n\n\n@pytest.mark.xfail(reason='bug 12')\ndef test_bug():\n"
            "    assert 1 + 1 == 2\n",
        },
        [{"file": "tests/test_known.py"}],
    ),
    Case(
        "pytest_unittest_class",
        "test",
        "pytest tests/ --tb=short",
        {
            **SHOP,
            "tests/test_case.py": "import unittest\nfrom shop.cart import total\n\n\n"
            "class CartTest(unittest.TestCase):\n"
            "    def test_total(self):\n        self.assertEqual(total([5]), 5)\n",
        },
        [{"file": "tests/test_case.py", "line": 7}],
    ),
    Case(
        "pytest_syntax_error",
        "test",
        "pytest",
        {**SHOP, "tests/test_syntax.py": "def test_x():\n    assert [1, 2 == [1, 2]\n"},
        [{"file": "tests/test_syntax.py"}],
    ),
    Case(
        "pytest_exitfirst_quiet",
        "test",
        "pip install -q -e . 2>/dev/null || true\npytest -x -q --no-header -p no:cacheprovider",
        {**SHOP, "tests/test_cart.py": TEST_CART},
        [{"file": "tests/test_cart.py", "line": 5}],
    ),
    Case(
        "pytest_timeout",
        "timeout",
        "pytest --timeout=1 tests",
        {"tests/test_slow.py": "import time\n\n\ndef test_sync():\n    time.sleep(5)\n"},
        [{"text": "Timeout"}],
    ),
    Case(
        "unittest_discover",
        "test",
        "python -m unittest discover -s tests -v",
        {
            **SHOP,
            "tests/test_unit.py": "import unittest\nfrom shop.cart import count\n\n\n"
            "class CountTest(unittest.TestCase):\n"
            "    def test_count(self):\n        self.assertEqual(count([1]), 1)\n\n    def test_error(self):\n"
            "        raise ValueError('bad input')\n",
        },
        [{"file": "tests/test_unit.py", "line": 7}],
    ),
    # Linters and formatters in other versions than the tuned logs'.
    Case(
        "ruff_0_4_check",
        "lint",
        "ruff check --output-format=text .",
        {"geometry.py": PY_LINT},
        [{"file": "geometry.py", "line": 1}, {"file": "geometry.py", "line": 7}],
    ),
    Case(
        "ruff_0_4_format",
        "format",
        "ruff format --check .",
        {"settings.py": PY_UNFORMATTED},
        [{"file": "settings.py"}],
    ),
    Case("black_23", "format", "black --check .", {"settings.py": PY_UNFORMATTED}, [{"file": "settings.py"}]),
    Case(
        "black_23_diff",
        "format",
        "black --check --diff --color src",
        {"src/settings.py": PY_UNFORMATTED},
        [{"file": "src/settings.py"}],
    ),
    Case(
        "isort_check",
        "format",
        "isort --check-only --diff .",
        {"imports.py": PY_UNSORTED},
        [{"file": "imports.py"}],
    ),
    Case(
        "mypy_1_8",
        "type_check",
        "mypy --strict users.py",
        {"users.py": PY_TYPES},
        [{"file": "users.py", "line": 5}, {"file": "users.py", "line": 9}],
    ),
    Case(
        "mypy_pretty",
        "type_check",
        "mypy --pretty --show-error-codes src",
        {"src/users.py": PY_TYPES},
        [{"file": "src/users.py", "line": 5}],
    ),
    Case(
        "pyflakes",
        "lint",
        "python -m pyflakes geometry.py",
        {"geometry.py": PY_LINT},
        [{"file": "geometry.py", "line": 1}],
    ),
    Case(
        "pycodestyle",
        "lint",
        "pycodestyle --max-line-length=100 style.py",
        {"style.py": PY_STYLE},
        [{"file": "style.py", "line": 2}],
    ),
    Case(
        "flake8_6",
        "lint",
        "flake8 --count --statistics .",
        {"geometry.py": PY_LINT},
        [{"file": "geometry.py", "line": 1}],
    ),
    Case(
        "pylint_2",
        "lint",
        "pylint --disable=C geometry.py",
        {"geometry.py": PY_LINT},
        [{"file": "geometry.py", "line": 7}],
    ),
    # pip failing in an install step.
    Case(
        "pip_missing_version",
        "dependency",
        "python -m pip install --upgrade pip wheel >/dev/null\npip install -r requirements.txt",
        {"requirements.txt": "requests==2.32.3\nurllib3==9.9.9\n"},
        [{"text": "urllib3==9.9.9"}],
    ),
    Case(
        "pip_conflict",
        "dependency",
        "pip install 'requests==2.31.0' 'urllib3==1.20'",
        {},
        [{"text": "conflicting dependencies"}],
    ),
    Case(
        "pip_sdist_build",
        "dependency",
        "pip install ./vendor/fastparse",
        {
            "vendor/fastparse/setup.py": SETUP_BROKEN,
            "vendor/fastparse/pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n'
            'build-backend = "setuptools.build_meta"\n',
        },
        [{"text": "libfoo-dev headers not found"}],
    ),
    Case(
        "pip_unknown_package",
        "dependency",
        "pip install --no-cache-dir -r requirements-dev.txt",
        {"requirements-dev.txt": "pytest\nshop-internal-helpers-0xq==1.0\n"},
        [{"text": "shop-internal-helpers-0xq"}],
    ),
    # Node tools, npm 10 and node 20.
    Case(
        "eslint_8_stylish",
        "lint",
        "npx eslint src",
        {"src/price.js": JS_LINT, ".eslintrc.json": ESLINTRC},
        [{"file": "src/price.js", "line": 1}, {"file": "src/price.js", "line": 4}],
    ),
    Case(
        "eslint_8_unix",
        "lint",
        "npx eslint --format unix src",
        {"src/price.js": JS_LINT, ".eslintrc.json": ESLINTRC},
        [{"file": "src/price.js", "line": 3}],
    ),
    Case(
        "tsc_4_9",
        "type_check",
        "npx tsc -p tsconfig.json --pretty false",
        {"src/item.ts": TS_CODE, "tsconfig.json": TSCONFIG},
        [{"file": "src/item.ts", "line": 7}, {"file": "src/item.ts", "line": 10}],
    ),
    Case(
        "tsc_4_9_pretty",
        "type_check",
        "npx tsc --noEmit --pretty",
        {"src/item.ts": TS_CODE, "tsconfig.json": TSCONFIG},
        [{"file": "src/item.ts", "line": 7}],
    ),
    Case(
        "prettier_2",
        "format",
        "npx prettier --check 'src/**/*.js'",
        {"src/a.js": "export   const  a = {b:1,\n  c:2}\n"},
        [{"file": "src/a.js"}],
    ),
    Case(
        "jest_fail",
        "test",
        "npx jest --ci",
        {"vat.js": JEST_SRC, "vat.test.js": JEST_TEST, "package.json": pkg()},
        [{"file": "vat.test.js", "line": 4}],
    ),
    Case(
        "npm_test_jest",
        "test",
        "npm test",
        {"vat.js": JEST_SRC, "vat.test.js": JEST_TEST, "package.json": pkg('{"test": "jest"}')},
        [{"file": "vat.test.js", "line": 4}],
    ),
    Case(
        "npm_ci_no_lockfile",
        "dependency",
        "npm ci",
        {"package.json": pkg(extra=', "dependencies": {"left-pad": "1.3.0"}')},
        [{"text": "can only install with an existing package-lock.json"}],
    ),
    Case(
        "npm_etarget",
        "dependency",
        "npm install --no-audit --no-fund",
        {"package.json": pkg(extra=', "dependencies": {"lodash": "^99.1.0"}')},
        [{"text": "No matching version found for lodash"}],
    ),
    Case(
        "npm_e404",
        "dependency",
        "npm install --no-audit",
        {"package.json": pkg(extra=', "dependencies": {"shop-private-utils-q9z": "1.0.0"}')},
        [{"text": "shop-private-utils-q9z"}],
    ),
    Case(
        "npm_run_build",
        "build",
        "npm run build",
        {"build.js": BUILD_JS, "package.json": pkg('{"build": "node build.js"}')},
        [{"text": "no such file or directory, open 'build.config.json'"}],
    ),
    Case(
        "node_heap_oom",
        "infrastructure",
        "node --max-old-space-size=32 scripts/index.js",
        {"scripts/index.js": "const a = [];\nwhile (true) { a.push(new Array(100000).fill('x')); }\n"},
        [{"text": "heap out of memory"}],
    ),
    # C and C++ through make, Rust through cargo.
    Case(
        "make_gcc_error",
        "build",
        "make",
        {
            "main.c": C_MAIN,
            "util.h": C_UTIL_H,
            "util.c": "int parse(const char *s) { return s[0]; }\n",
            "Makefile": MAKEFILE,
        },
        [{"file": "main.c", "line": 5}],
    ),
    Case(
        "gcc_link_error",
        "build",
        "gcc -o app main.c",
        {"main.c": C_MAIN.replace("argv[1]", '"7"'), "util.h": C_UTIL_H},
        [{"text": "undefined reference to `parse'"}],
    ),
    Case("gpp_error", "build", "g++ -std=c++17 -c main.cpp", {"main.cpp": CPP_MAIN}, [{"file": "main.cpp", "line": 5}]),
    Case(
        "make_no_rule",
        "build",
        "make -C native all",
        {"native/Makefile": "all: shop.so\n\nshop.so: shop.o\n\tgcc -shared -o $@ $^\n"},
        [{"text": "No rule to make target"}],
    ),
    Case(
        "cargo_build_e0425",
        "build",
        "cargo build --locked",
        {
            "Cargo.toml": CARGO_TOML,
            "src/main.rs": RUST_MAIN,
            "Cargo.lock": 'version = 3\n\n[[package]]\nname = "shop"\nversion = "0.2.0"\n',
        },
        [{"file": "src/main.rs", "line": 4}],
    ),
    Case(
        "cargo_test_fail",
        "test",
        "cargo test --all",
        {"Cargo.toml": CARGO_TOML, "src/lib.rs": RUST_LIB},
        [{"file": "src/lib.rs", "line": 11}],
    ),
    Case(
        "cargo_clippy_deny",
        "lint",
        "cargo clippy -- -D warnings",
        {"Cargo.toml": CARGO_TOML, "src/main.rs": RUST_CLIPPY},
        [{"file": "src/main.rs", "line": 3}],
    ),
    Case(
        "cargo_fmt_check",
        "format",
        "cargo fmt --all -- --check",
        {"Cargo.toml": CARGO_TOML, "src/main.rs": RUST_UNFORMATTED},
        [{"file": "src/main.rs"}],
    ),
    Case(
        "cargo_path_dependency",
        "dependency",
        "cargo fetch",
        {"Cargo.toml": CARGO_TOML + 'pricing = { path = "../pricing" }\n', "src/main.rs": "fn main() {}\n"},
        [{"text": "failed to get `pricing` as a dependency"}],
    ),
    # Shell scripts, the machine and the network.
    Case(
        "disk_full",
        "infrastructure",
        "./scripts/cache.sh",
        {"scripts/cache.sh": "#!/bin/bash\nset -e\necho 'saving cache'\ncat /dev/zero | head -c 4096 > /dev/full\n"},
        [{"text": "No space left on device"}],
    ),
    Case(
        "wget_dns",
        "infrastructure",
        "wget -O fixtures.tar.gz https://downloads.shop-fixtures.invalid/v3/fixtures.tar.gz",
        {},
        [{"text": "unable to resolve host address"}],
    ),
    Case(
        "npm_registry_refused",
        "infrastructure",
        "npm install --no-audit",
        {"package.json": pkg(extra=', "dependencies": {"left-pad": "1.3.0"}')},
        [{"text": "ECONNREFUSED"}],
        step_env={"npm_config_registry": "http://127.0.0.1:9/", "npm_config_fetch_retries": "0"},
    ),
    Case(
        "pip_index_unreachable",
        "infrastructure",
        "pip install --retries 1 --timeout 2 -r requirements.txt",
        {"requirements.txt": "requests==2.32.3\n"},
        [{"text": "Connection refused"}],
        step_env={"PIP_INDEX_URL": "http://127.0.0.1:9/simple"},
    ),
    Case(
        "script_command_not_found",
        "unknown",
        "./scripts/release-notes.sh",
        {
            "scripts/release-notes.sh": "#!/bin/bash\nset -e\necho 'collecting notes'\n"
            "changelog-tool render --since v1.2\n"
        },
    ),
    Case(
        "script_custom_check",
        "unknown",
        'test -f CHANGELOG.md || { echo "CHANGELOG.md must be updated in every pull request"; exit 2; }',
        {},
    ),
    Case(
        "step_timeout_minutes",
        "timeout",
        "python scripts/seed.py",
        {"scripts/seed.py": "import sys\nprint('seeding 10000 rows', flush=True)\nsys.exit(143)\n"},
        [{"text": "has timed out after 5 minutes"}],
        runner_lines=["##[error]The action 'Seed the database' has timed out after 5 minutes."],
    ),
    Case(
        "hosted_runner_lost",
        "infrastructure",
        "python scripts/integration.py",
        {
            "scripts/integration.py": "import sys\nfor n in range(3):\n"
            "    print(f'suite {n}: ok', flush=True)\nsys.exit(1)\n"
        },
        [{"text": "The hosted runner encountered an error while running your job"}],
        runner_lines=[
            "##[error]The hosted runner encountered an error while running your job. (Error Type: Disconnect).",
        ],
    ),
    *BATCH_2,
    *BATCH_3,
    *BATCH_4,
)

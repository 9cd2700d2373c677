"""Applying unified diffs (tasks.github.fixes), in this process against the fake GitHub."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from unidiff.patch import PatchSet

from tasks.github.auth import TokenCredentials
from tasks.github.client import GitHubClient
from tasks.github.fixes import PatchDoesNotApply, Target, apply_hunks, apply_patch
from tests.github.conftest import TOKEN
from tests.github.fake_github import FakeGitHub

LINES = [f"line {n}\n" for n in range(1, 21)]
TWO_HUNKS = """\
--- a/f.txt
+++ b/f.txt
@@ -2,3 +2,3 @@
 line 2
-line 3
+LINE 3
 line 4
@@ -17,3 +17,4 @@
 line 17
 line 18
+inserted
 line 19
"""


@pytest.fixture
def client(fake: FakeGitHub) -> Iterator[GitHubClient]:
    github = GitHubClient(fake.url, TokenCredentials(TOKEN), timeout_s=5)
    yield github
    github.close()


def test_hunks_apply_where_their_context_matches() -> None:
    (patched,) = PatchSet(TWO_HUNKS)

    result = apply_hunks(LINES, patched)

    assert result[2] == "LINE 3\n" and result[18] == "inserted\n" and len(result) == 21
    assert result[:2] == LINES[:2] and result[19:] == LINES[18:]
    with pytest.raises(PatchDoesNotApply, match="hunk at line 2"):
        apply_hunks([*LINES[:2], "changed\n", *LINES[3:]], patched)


def test_rename_and_delete_become_tree_entries(fake: FakeGitHub, client: GitHubClient, repo_name: str) -> None:
    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 1, {"old.txt": "keep\nthis\n", "gone.txt": "bye\n"})
    patch = """\
diff --git a/old.txt b/new.txt
similarity index 50%
rename from old.txt
rename to new.txt
--- a/old.txt
+++ b/new.txt
@@ -1,2 +1,2 @@
 keep
-this
+that
diff --git a/gone.txt b/gone.txt
deleted file mode 100644
--- a/gone.txt
+++ /dev/null
@@ -1 +0,0 @@
-bye
"""

    result = apply_patch(client, Target(repo_name, 1, head, "patch", 3), patch)

    assert result.applied, result.reason
    assert result.commit_sha is not None
    tree = repo.trees[repo.commits[result.commit_sha]["tree"]]
    assert "old.txt" not in tree and "gone.txt" not in tree
    assert repo.file_at(result.commit_sha, "new.txt") == "keep\nthat\n"


def test_patch_of_a_file_not_on_the_head_is_refused(fake: FakeGitHub, client: GitHubClient, repo_name: str) -> None:
    repo = fake.add_repo(repo_name)
    head = fake.add_pull(repo, 2)

    result = apply_patch(client, Target(repo_name, 2, head, "patch", 3), TWO_HUNKS)

    assert not result.applied and "f.txt is not in the head commit" in result.reason
    assert not fake.recorded("POST")

#!/bin/sh
# Every way we found for a command running in a Gittrix workspace to reach the durable repository or
# the session store. test/sandbox/escape.test.ts runs it inside `gittrix run` (nothing may change) and,
# as a control, with --no-sandbox (the same attacks must change the durable repository, or the test
# could not tell). Each attempt logs "ok: …" or "refused: …"; the test judges by the state on disk.
#
# Environment: DURABLE (the repository's work tree), STORE (the session store), SESSION_DIR
# (<store>/<id>), CONTROL (set for the --no-sandbox control: skips the /proc walk, the mount
# attempts and the final removals, which would act on the host itself or destroy the evidence).
D="$DURABLE"
G="$DURABLE/.git"
M="$SESSION_DIR/metadata.json"

try() { if "$@" >/dev/null 2>&1; then echo "ok: $*"; else echo "refused: $*"; fi; }
trysh() { if sh -c "$1" >/dev/null 2>&1; then echo "ok: $1"; else echo "refused: $1"; fi; }

# The agent's own work, which must land in the workspace.
echo agent > agent-file.txt
echo changed >> README.md
rm -f old.txt
git add -A >/dev/null 2>&1
git -c user.name=agent -c user.email=agent@example.com commit -qm "agent commit" >/dev/null 2>&1
echo "uncommitted" > agent-uncommitted.txt

# Push, by every path spelling.
REL=$(realpath --relative-to="$PWD" "$D")
ln -s "$D" alias-repo
for url in "$D" "$D/" "$D/.git" "$D/.git/" "file://$D" "file://$D/.git" "file://$D/" "$D/./" "$D//" "$D/../$(basename "$D")" \
  "$(dirname "$D")/./$(basename "$D")" "$(dirname "$D")//$(basename "$D")/.git" "$REL" "$REL/.git" "./$REL" \
  "/proc/self/root$D" "/proc/1/root$D" "/proc/self/cwd/$REL" "$PWD/alias-repo" "alias-repo/.git"; do
  try git push --no-verify --force "$url" HEAD:refs/heads/main
  try git push --no-verify "$url" HEAD:refs/heads/pwned
  try git -c "remote.r.url=$url" -c "remote.r.pushurl=$url" push --no-verify r HEAD:refs/heads/main
  try git -c "url.$url.insteadOf=durable:" push --no-verify --force durable: HEAD:refs/heads/main
  try git send-pack --force "$url" HEAD:refs/heads/main
done
try git config --unset-all url.gittrix-push-disabled::.pushInsteadOf
try git push --no-verify --force "$D" HEAD:refs/heads/main
try git push --no-verify --force "$D/.git" HEAD:refs/heads/main

# --git-dir, GIT_DIR, -C.
try git --git-dir="$G" update-ref refs/heads/main HEAD
try git --git-dir="$G" update-ref refs/heads/pwned HEAD
try git --git-dir="$G" config core.hooksPath /tmp
try git --git-dir="$G" --work-tree="$D" commit --allow-empty -qm pwned
try env GIT_DIR="$G" git branch pwned-branch
try env GIT_DIR="$G" GIT_WORK_TREE="$D" git checkout -f HEAD
try git -C "$D" commit --allow-empty -qm pwned
try git -C "$D" tag pwned-tag
try git -C "$D" fetch "$PWD" HEAD:refs/heads/fetched

# Writing its files directly.
trysh "echo pwned > '$D/README.md'"
trysh "echo pwned > '$D/pwned.txt'"
trysh "echo '[core] hooksPath = /tmp' >> '$G/config'"
trysh "mkdir -p '$G/hooks' && printf '#!/bin/sh\necho pwned\n' > '$G/hooks/pre-commit' && chmod +x '$G/hooks/pre-commit'"
trysh "echo 0000000000000000000000000000000000000000 > '$G/refs/heads/main'"
trysh "echo 'ref: refs/heads/pwned' > '$G/HEAD'"
trysh "touch '$G/objects/pwned'"
trysh "echo /tmp > '$G/objects/info/alternates'"
trysh "find '$G/objects' -type f | while read -r f; do echo pwned >> \"\$f\" || exit 1; done"
trysh "rm -rf '$G/objects/pack'"
trysh "mv '$G' '$G.moved'"
trysh "touch -d 2000-01-01 '$D/README.md'"

# Hard links to its files (and the store's), then writes through them.
n=0
for f in $(find "$G/objects" -type f 2>/dev/null | head -5) "$D/README.md" "$G/config" "$G/HEAD" "$M" "$SESSION_DIR/ephemeral/index"; do
  n=$((n + 1))
  trysh "ln '$f' 'hardlink-$n' && echo pwned >> 'hardlink-$n'"
done

# /proc: other processes' roots, working directories and open directories.
if [ -z "$CONTROL" ]; then
  for p in /proc/[0-9]*; do
    trysh "echo pwned > '$p/root$D/README.md'"
    trysh "echo pwned > '$p/cwd/$REL/README.md'"
    for fd in "$p"/fd/*; do [ -d "$fd" ] && trysh "echo pwned > '$fd/README.md'"; done
  done
  trysh "echo pwned > /proc/self/root$M"
fi

# The store: metadata, Gittrix's private state, other sessions.
trysh "echo '{}' > '$M'"
trysh "sed -i s/active/promoted/ '$M'"
trysh "echo pwned > '$SESSION_DIR/ephemeral/gitdir'"
trysh "echo pwned > '$SESSION_DIR/ephemeral/index'"
trysh "mkdir '$STORE/sess_pwned'"
trysh "rm -rf '$SESSION_DIR/ephemeral'"

# Symlinks planted in the workspace pointing at them (followed now, and left for Gittrix to meet).
ln -s "$G/config" link-config
ln -s "$D" link-repo
ln -s "$M" link-meta
ln -s "$STORE" link-store
ln -s "$G/refs/heads/main" link-ref
mkdir -p deep && ln -s "$G" deep/gitdir
trysh "echo '[core] hooksPath = /tmp' >> link-config"
trysh "echo pwned > link-repo/README.md"
trysh "echo '{}' > link-meta"
trysh "echo pwned > link-store/pwned"
trysh "echo 0000000000000000000000000000000000000000 > link-ref"
trysh "echo pwned > deep/gitdir/description"

# Mounts and namespaces (inside the sandbox only).
if [ -z "$CONTROL" ]; then
  try umount "$D"
  try umount -l "$D"
  try umount -l "$STORE"
  try mount --bind "$PWD" "$D"
  trysh "unshare -Urm sh -c 'umount -l \"$D\" && echo pwned > \"$D/README.md\"'"
  trysh "unshare -Ur sh -c 'echo pwned > \"$D/README.md\"'"
fi

# Destroy them outright (inside the sandbox only: the control keeps its evidence). The workspace
# itself is the agent's to wipe, so the store is emptied around it, not through it.
if [ -z "$CONTROL" ]; then
  trysh "rm -rf '$D'"
  for entry in "$STORE"/* "$STORE"/.[!.]* "$SESSION_DIR"/* "$SESSION_DIR"/.[!.]*; do
    [ "$entry" = "$SESSION_DIR" ] || [ "$entry" = "$PWD" ] || trysh "rm -rf '$entry'"
  done
fi
echo done

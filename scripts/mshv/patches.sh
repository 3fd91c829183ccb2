#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Generate the patch series against pristine Linux 6.12 described by
# scripts/mshv/series, and check it: every patch applies with git am onto
# pristine 6.12, passes checkpatch --strict without a single finding, and
# builds on its own (drivers/hv/ with W=1 in the configurations the series
# names, and the uapi header through headers_install once it is there).
#
# Everything lives in $MSHV_CACHE/patches: a git repository of the pristine
# tree (made once per source tarball, then reused), the series' output
# directory (printed), and ccache'd build directories.  The output is
# deterministic: author, dates and base are fixed, so a rerun over the same
# files writes the same patches.
#
# MSHV_PATCHES_NOBUILD=1 skips the builds (generation and checkpatch only).
source "$(dirname "$0")/common.sh"

top=$MSHV_CACHE/patches
git_dir=$top/linux
check_dir=$top/check
out=$top/out
series=$MSHV_REPO/scripts/mshv/series
export GIT_AUTHOR_NAME='The mshv_root developers' GIT_AUTHOR_EMAIL=mshv@localhost
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_AUTHOR_DATE='2024-11-17T00:00:00Z' GIT_COMMITTER_DATE='2024-11-17T00:00:00Z'
export GIT_CONFIG_NOSYSTEM=1
mkdir -p "$top"

# A git repository of the pristine tree, tagged "pristine", made once per
# tarball (unpacking and committing 90k files takes minutes).
pristine_repo() {
	local stamp=$top/.pristine id tmp

	[[ -r $MSHV_TARBALL ]] || die "$MSHV_TARBALL missing: run 'make deps'"
	id=$(stat -c '%s %Y' "$MSHV_TARBALL")
	if [[ -f $stamp && $(cat "$stamp") == "$id" ]] &&
	   git -C "$git_dir" rev-parse -q --verify pristine >/dev/null; then
		return
	fi
	msg "making a git repository of pristine 6.12 in $git_dir"
	rm -rf "$git_dir" "$check_dir" "$stamp"
	tmp=$top/unpack
	rm -rf "$tmp"
	mkdir -p "$tmp"
	tar -xJf "$MSHV_TARBALL" -C "$tmp"
	[[ -f $tmp/linux-source-6.12/Makefile ]] || die "unexpected layout in $MSHV_TARBALL"
	mv "$tmp/linux-source-6.12" "$git_dir"
	rmdir "$tmp"
	git -C "$git_dir" init -q -b base
	git -C "$git_dir" config gc.auto 0
	git -C "$git_dir" add -A -f
	git -C "$git_dir" commit -q -m "Linux 6.12 (Debian linux-source-6.12)"
	git -C "$git_dir" tag -f pristine >/dev/null
	echo "$id" >"$stamp"
}

# Turn the series and the repository's files into commits on branch
# "series" of $git_dir, one per patch, and check that every file is taken.
generate() {
	python3 - "$MSHV_REPO" "$git_dir" "$series" "${MSHV_OVERLAY_DIRS[@]}" <<'PY'
import fnmatch, os, re, subprocess, sys, tempfile

repo, gitdir, series_file = sys.argv[1:4]
overlay = sys.argv[4:]
signoff = 'Signed-off-by: %s <%s>' % (os.environ['GIT_AUTHOR_NAME'],
                                      os.environ['GIT_AUTHOR_EMAIL'])
errors = []

def die(m):
    sys.exit('mshv: error: ' + m)

def git(*args, cwd=gitdir, **kw):
    return subprocess.run(('git',) + args, cwd=cwd, check=True,
                          stdout=subprocess.PIPE, **kw).stdout

# --- the series ---
patches = []
with open(series_file) as f:
    lines = f.read().split('\n')
i = 0
while i < len(lines):
    line = lines[i]
    i += 1
    if not line.strip() or line.startswith('#'):
        continue
    m = re.match(r'patch (\S+)$', line)
    if m:
        patches.append(dict(name=m.group(1), files=[], intree=[], wire=False,
                            partial=[], build=[], allow=[], subject=None, body=None))
        continue
    if not patches:
        die('series: %r before the first patch' % line)
    p = patches[-1]
    key, _, val = line.partition(':')
    val = val.strip()
    if key == 'subject':
        p['subject'] = val
    elif key == 'files':
        p['files'] += val.split()
    elif key == 'intree':
        p['intree'] += val.split()
    elif key == 'wire':
        p['wire'] = val == 'yes'
    elif key == 'partial':
        w = val.split()
        if len(w) < 3 or w[2] not in ('drop-config', 'drop-make'):
            die('series: bad partial: %r' % line)
        p['partial'].append(dict(path=w[0], until=w[1], filter=w[2], args=w[3:]))
    elif key == 'allow':
        p['allow'] += val.split()
    elif key == 'build':
        p['build'] = [] if val == 'none' else val.split()
    elif key == 'body':
        body = []
        while i < len(lines) and lines[i] != 'end':
            body.append(lines[i])
            i += 1
        if i == len(lines):
            die('series: body of %s has no "end"' % p['name'])
        i += 1
        p['body'] = '\n'.join(body).strip('\n')
    else:
        die('series: unknown line %r' % line)
names = [p['name'] for p in patches]
for p in patches:
    if not p['subject'] or not p['body']:
        die('series: %s has no subject or body' % p['name'])
    for r in p['partial']:
        if r['until'] not in names or names.index(r['until']) <= names.index(p['name']):
            die('series: %s: partial %s until %s, which is not a later patch'
                % (p['name'], r['path'], r['until']))

# --- which patch takes each file and each in-tree diff ---
out = git('ls-files', '--cached', '--others', '--exclude-standard', '--', *overlay,
          cwd=repo).decode().split('\n')
files = sorted(f for f in set(out) if f and os.path.isfile(os.path.join(repo, f)))

def takes(globs, path):
    inc = [g for g in globs if not g.startswith('!')]
    exc = [g[1:] for g in globs if g.startswith('!')]
    return (any(fnmatch.fnmatchcase(path, g) for g in inc) and
            not any(fnmatch.fnmatchcase(path, g) for g in exc))

owner = {}
for f in files:
    for k, p in enumerate(patches):
        if takes(p['files'], f):
            owner[f] = k
            break
    else:
        errors.append('%s is in no patch of scripts/mshv/series' % f)

intree_dir = os.path.join(repo, 'scripts/mshv/intree')
diffs = sorted(d for d in (os.listdir(intree_dir) if os.path.isdir(intree_dir) else [])
               if d.endswith('.diff'))
diff_owner = {}
for d in diffs:
    for k, p in enumerate(patches):
        if takes(p['intree'], d):
            diff_owner[d] = k
            break
    else:
        errors.append('scripts/mshv/intree/%s is in no patch of scripts/mshv/series' % d)

for k, p in enumerate(patches):
    for r in p['partial']:
        if owner.get(r['path']) != k:
            errors.append('series: %s: partial %s is not a file of this patch'
                          % (p['name'], r['path']))
if errors:
    die('\n  '.join(['series does not cover the repository:'] + errors))

def diff_targets(text):
    return sorted(set(re.findall(r'^\+\+\+ b/(\S+)', text, re.M)))

diff_text = {d: open(os.path.join(intree_dir, d)).read() for d in diffs}
intree_paths = sorted(set(t for d in diffs for t in diff_targets(diff_text[d])))
wire_paths = ['drivers/hv/Kconfig', 'drivers/hv/Makefile']
if any(p['wire'] for p in patches):
    intree_paths = sorted(set(intree_paths + wire_paths))
pristine = {}
for path in intree_paths:
    pristine[path] = git('show', 'pristine:' + path)

# --- filters ---
def drop_config(text, syms):
    lines = text.split('\n')
    starts = [j for j, l in enumerate(lines) if re.match(r'(menu)?config \S+$', l)]
    drop = set()
    for n, j in enumerate(starts):
        sym = lines[j].split()[1]
        if sym not in syms:
            continue
        b = j
        while b > 0 and lines[b - 1].startswith('#'):
            b -= 1
        e = len(lines)
        if n + 1 < len(starts):
            e = starts[n + 1]
            while e > 0 and lines[e - 1].startswith('#'):
                e -= 1
        drop.update(range(b, e))
    kept = [l for j, l in enumerate(lines) if j not in drop]
    return '\n'.join(kept).rstrip('\n') + '\n'

def drop_make(text, words):
    out, stmt = [], []
    for l in text.split('\n'):
        stmt.append(l)
        if l.endswith('\\'):
            continue
        s = '\n'.join(stmt)
        if not any(re.search(r'(?<![\w-])' + re.escape(w) + r'(?![\w-])', s) for w in words):
            out += stmt
        stmt = []
    return '\n'.join(out + stmt).rstrip('\n') + '\n'

def maintainers_pattern_matches(pat, present):
    if pat.endswith('/'):
        return any(f.startswith(pat) for f in present)
    return any(fnmatch.fnmatchcase(f, pat) or f.startswith(pat + '/') for f in present)

# Drop from a diff the F: lines it adds to MAINTAINERS that match no file
# present yet, fixing the hunk headers.
def filter_diff(text, present):
    out, cur = [], None
    hunk, body = None, []
    def flush():
        if hunk is None:
            return
        m = re.match(r'@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$', hunk)
        new = sum(1 for l in body if not l.startswith('-'))
        old = sum(1 for l in body if not l.startswith('+'))
        out.append('@@ -%s,%d +%s,%d @@%s' % (m.group(1), old, m.group(3), new, m.group(5)))
        out.extend(body)
    for l in text.split('\n'):
        if l.startswith('--- ') or l.startswith('+++ ') or l.startswith('diff '):
            flush(); hunk, body = None, []
            if l.startswith('+++ '):
                cur = l[6:].split()[0] if l.startswith('+++ b/') else None
            out.append(l)
        elif l.startswith('@@'):
            flush(); hunk, body = l, []
        elif hunk is not None and l != '':
            m = re.match(r'\+F:\s+(\S+)', l)
            if cur == 'MAINTAINERS' and m and not maintainers_pattern_matches(m.group(1), present):
                continue
            body.append(l)
        elif hunk is None:
            out.append(l)
    flush()
    return '\n'.join(out) + '\n'

def wire(stage_dir):
    k = os.path.join(stage_dir, 'drivers/hv/Kconfig')
    t = open(k).read()
    if 'Kconfig.mshv' not in t:
        ls = t.rstrip('\n').split('\n')
        if ls[-1] != 'endmenu':
            die('drivers/hv/Kconfig does not end in endmenu')
        t = '\n'.join(ls[:-1]) + '\nsource "drivers/hv/Kconfig.mshv"\n\nendmenu\n'
        open(k, 'w').write(t)
    m = os.path.join(stage_dir, 'drivers/hv/Makefile')
    t = open(m).read()
    if 'Makefile.mshv' not in t:
        open(m, 'w').write(t + '\ninclude $(src)/Makefile.mshv\n')

# --- the tree after each patch ---
def stage(k):
    content = {}
    present = [f for f in files if owner[f] <= k]
    for f in present:
        data = open(os.path.join(repo, f), 'rb').read()
        for r in patches[owner[f]]['partial']:
            if r['path'] == f and k < names.index(r['until']):
                text = data.decode()
                if r['filter'] == 'drop-config':
                    text = drop_config(text, r['args'])
                else:
                    text = drop_make(text, r['args'])
                data = text.encode()
        content[f] = data
    with tempfile.TemporaryDirectory() as sd:
        for path in intree_paths:
            os.makedirs(os.path.dirname(os.path.join(sd, path)), exist_ok=True)
            open(os.path.join(sd, path), 'wb').write(pristine[path])
        for d in diffs:
            if diff_owner[d] > k:
                continue
            r = subprocess.run(['patch', '-p1', '-d', sd, '-s', '-f', '-N',
                                '--no-backup-if-mismatch', '-r', '-'],
                               input=filter_diff(diff_text[d], present).encode(),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if r.returncode:
                die('scripts/mshv/intree/%s does not apply at patch %s:\n%s'
                    % (d, patches[k]['name'], r.stdout.decode()))
        if any(p['wire'] for p in patches[:k + 1]):
            wire(sd)
        for path in intree_paths:
            content[path] = open(os.path.join(sd, path), 'rb').read()
    return content

all_paths = sorted(set(files) | set(intree_paths))
git('checkout', '-q', '-f', '-B', 'series', 'pristine')
git('clean', '-q', '-f', '-d', '-x')
made = 0
for k, p in enumerate(patches):
    content = stage(k)
    for path in all_paths:
        full = os.path.join(gitdir, path)
        if path in content:
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, 'wb') as fh:
                fh.write(content[path])
            mode = os.stat(os.path.join(repo, path)).st_mode & 0o111 if path in owner else 0
            os.chmod(full, 0o755 if mode else 0o644)
        elif os.path.exists(full):
            os.unlink(full)
    git('add', '-A', '-f', '--', '.')
    if subprocess.run(['git', 'diff', '--cached', '--quiet'], cwd=gitdir).returncode == 0:
        print('mshv: patch %s: nothing to add, left out' % p['name'], file=sys.stderr)
        continue
    made += 1
    date = '2024-11-17T00:%02d:00Z' % (k + 1)
    env = dict(os.environ, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    msg = '%s\n\n%s\n\n%s\n' % (p['subject'], p['body'], signoff)
    git('commit', '-q', '--no-verify', '-F', '-', input=msg.encode(), env=env)
    with open(os.path.join(gitdir, '.git', 'mshv-build-%d' % made), 'w') as fh:
        fh.write(' '.join(p['build']) + '\n')
    with open(os.path.join(gitdir, '.git', 'mshv-allow-%d' % made), 'w') as fh:
        fh.write(' '.join(p['allow']) + '\n')

# The last patch leaves the repository's files exactly as they are.
for f in files:
    if open(os.path.join(gitdir, f), 'rb').read() != open(os.path.join(repo, f), 'rb').read():
        die('%s differs from the repository after the whole series' % f)
print(made)
PY
}

# build_one CFG LOG: configure $check_dir's tree in the build directory of
# CFG and build drivers/hv/ with W=1 (our objects always recompiled, so
# that their warnings show); after the uapi header is in, headers_install
# and compile the header alone.
build_one() {
	local cfg=$1 log=$2 b=$top/build/$1 confdir=$MSHV_REPO/scripts/mshv/configs
	local frags=("$confdir/base.config") line sym bad=0

	[[ $cfg == base ]] || frags+=("$confdir/mshv-$cfg.config")
	# A misspelt configuration in the series must fail, not build base.
	for line in "${frags[@]}"; do
		[[ -f $line ]] || { echo "$cfg: no $line" >>"$log"; return 1; }
	done
	mkdir -p "$b"
	cat "${frags[@]}" >"$b/allno.config"
	make -C "$check_dir" -s ARCH=x86_64 CC="ccache gcc" O="$b" \
		KCONFIG_ALLCONFIG="$b/allno.config" allnoconfig >>"$log" 2>&1 || return 1
	while read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qx -- "$line" "$b/.config" || { echo "$cfg: wanted $line" >>"$log"; bad=1; } ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }; sym=${sym%% *}
			! grep -q "^$sym=" "$b/.config" || { echo "$cfg: wanted $line" >>"$log"; bad=1; } ;;
		esac
	done < <(cat "${frags[@]}")
	[[ $bad -eq 0 ]] || return 1
	find "$b/drivers/hv" \( -name 'mshv*.o' -o -name '*.ko' \) -delete 2>/dev/null || true
	rm -rf "$b/drivers/hv/tests"
	make -C "$check_dir" -j"$MSHV_JOBS" ARCH=x86_64 CC="ccache gcc" O="$b" \
		W=1 drivers/hv/ >>"$log" 2>&1 || return 1
	if [[ -f $check_dir/include/uapi/linux/mshv.h ]]; then
		make -C "$check_dir" -s -j"$MSHV_JOBS" ARCH=x86_64 O="$b" \
			headers_install >>"$log" 2>&1 || return 1
		printf '#include <linux/mshv.h>\nint main(void) { return MSHV_IOCTL != 0xB8; }\n' |
			gcc -std=gnu99 -Wall -Wextra -Werror -I"$b/usr/include" \
				-x c -o "$b/uapi-test" - >>"$log" 2>&1 || return 1
		"$b/uapi-test" || { echo "uapi: MSHV_IOCTL is not 0xB8" >>"$log"; return 1; }
	fi
	! grep -E "$MSHV_OUR_PATHS_RE.*(warning|error):" "$log" >/dev/null
}

start=$SECONDS
pristine_repo
t=$SECONDS
count=$(generate) || die "series generation failed"
rm -rf "$out"
mkdir -p "$out"
git -C "$git_dir" format-patch -q -o "$out" --zero-commit --no-signature \
	--base=pristine pristine..series
mapfile -t patches < <(ls "$out"/*.patch)
[[ ${#patches[@]} -eq $count ]] || die "expected $count patches, got ${#patches[@]}"
msg "patches: generated $count in $((SECONDS - t))s"

failed=()
# checkpatch from the pristine tree, which has no file of ours.  Its SPDX
# check runs scripts/spdxcheck.py, which needs python3-ply and python3-git:
# Debian's python3 is put first in PATH so that it is the one found.
git -C "$git_dir" checkout -q -f pristine
mkdir -p "$top/logs"
rm -f "$top"/logs/*.checkpatch
t=$SECONDS
printf '%s\n' "${patches[@]}" |
	(cd "$git_dir" && PATH=/usr/bin:$PATH xargs -P "$MSHV_JOBS" -I{} \
		sh -c 'perl scripts/checkpatch.pl --strict --quiet --show-types \
			--no-summary "$1" >"$2/$(basename "$1" .patch).checkpatch" 2>&1 || true' \
		sh {} "$top/logs")
clean=0
for n in "${!patches[@]}"; do
	p=${patches[$n]}
	read -ra allow <"$git_dir/.git/mshv-allow-$((n + 1))"
	res=$(cat "$top/logs/$(basename "$p" .patch).checkpatch")
	# One paragraph per finding, "TYPE:NAME: ..." and then "#N: FILE: path:line:".
	shown=$(awk -v allow="${allow[*]}" '
		BEGIN { RS = ""; n = split(allow, a, " ") }
		{
			type = ""
			if (match($0, /^(ERROR|WARNING|CHECK):[A-Z_]+:/)) {
				type = substr($0, 1, RLENGTH - 1); sub(/^[A-Z]+:/, "", type)
			}
			file = ""
			if (match($0, /FILE: [^:]+/))
				file = substr($0, RSTART + 6, RLENGTH - 6)
			for (i = 1; i <= n; i++)
				if (a[i] == type "@" file)
					next
			print; print ""
		}' <<<"$res")
	if [[ -n $shown ]]; then
		echo "$shown" >&2
		failed+=("checkpatch:${p##*/}")
	else
		clean=$((clean + 1))
		[[ -z $res ]] ||
			msg "patches: ${p##*/}: only what the series allows (${allow[*]})"
	fi
done
msg "patches: checkpatch --strict: $clean of ${#patches[@]} clean ($((SECONDS - t))s)"

# git am the series, one patch at a time, onto pristine in a worktree of
# its own, building after each.
if [[ ! -d $check_dir ]]; then
	git -C "$git_dir" worktree prune
	git -C "$git_dir" worktree add -q --detach "$check_dir" pristine
fi
git -C "$check_dir" am --abort >/dev/null 2>&1 || true
git -C "$check_dir" checkout -q -f --detach pristine
git -C "$check_dir" clean -q -f -d
for n in "${!patches[@]}"; do
	p=${patches[$n]}
	name=$(basename "$p" .patch)
	if ! git -C "$check_dir" am -q --keep-cr "$p" >"$top/logs/$name.am" 2>&1; then
		cat "$top/logs/$name.am" >&2
		failed+=("am:$name")
		git -C "$check_dir" am --abort >/dev/null 2>&1 || true
		break
	fi
	[[ ${MSHV_PATCHES_NOBUILD:-0} == 1 ]] && continue
	for cfg in $(cat "$git_dir/.git/mshv-build-$((n + 1))"); do
		t=$SECONDS
		log=$top/logs/$name.$cfg
		: >"$log"
		if build_one "$cfg" "$log"; then
			msg "patches: ${name:0:4} builds with $cfg ($((SECONDS - t))s)"
		else
			grep -E "$MSHV_OUR_PATHS_RE.*(warning|error):|error|wanted" "$log" | head -n 40 >&2
			msg "patches: ${name:0:4} does not build with $cfg (log: $log)"
			failed+=("build-$cfg:$name")
		fi
	done
done
if [[ ${#failed[@]} -eq 0 ]] &&
   [[ $(git -C "$check_dir" rev-parse 'HEAD^{tree}') != $(git -C "$git_dir" rev-parse 'series^{tree}') ]]; then
	failed+=("am: the applied series differs from the generated one")
fi

msg "patches: $((SECONDS - start))s in all"
[[ ${#failed[@]} -eq 0 ]] || die "patch series: ${failed[*]}"
msg "patches: $out"
echo "$out"

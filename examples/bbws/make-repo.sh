#!/bin/sh
# Create the sample BBWS order-service repository in DIR: branches develop, release
# and main, the policy on main at .promote/policy.json, the Terraform variables and
# the GitHub Actions workflows of every environment (terraform/, .github/workflows/),
# and the CI reports of the release candidate in reports/ (untracked, as a CI job
# leaves them).
# Commit dates are fixed, so the commit ids are the same on every machine.
# usage: make-repo.sh DIR [POLICY]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=$1
policy=${2:-$here/../../policies/bbws.json}

export GIT_AUTHOR_NAME="BBWS Developer" GIT_AUTHOR_EMAIL="dev@bbws.example"
export GIT_COMMITTER_NAME="BBWS Developer" GIT_COMMITTER_EMAIL="dev@bbws.example"
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
at() { export GIT_AUTHOR_DATE="2026-11-0$1T09:00:00Z" GIT_COMMITTER_DATE="2026-11-0$1T09:00:00Z"; }

mkdir -p "$dir"
cd "$dir"
git init -q -b main .
at 1
printf '# BBWS order service\n' > README.md
git add README.md
git commit -q -m "Start the order service"

git checkout -q -b develop
at 2
cp -R "$here/terraform" terraform
mkdir -p .github
cp -R "$here/.github/workflows" .github/workflows
git add terraform .github
git commit -q -m "Add the Terraform variables and the deploy and promotion workflows"
mkdir -p src
printf 'def create_order(items):\n    return {"items": items, "status": "new"}\n' > src/orders.py
git add src/orders.py
git commit -q -m "Add order creation handler"
at 3
printf 'def get_order(table, order_id):\n    return table.get(order_id)\n' >> src/orders.py
printf '1.4.0\n' > VERSION
printf '# Changelog\n\n## [1.4.0] - 2026-11-03\n\n- Add order creation and lookup handlers.\n' > CHANGELOG.md
git add VERSION CHANGELOG.md
git commit -q -am "Add order lookup handler"

git checkout -q -b release
git checkout -q main
at 4
mkdir -p .promote
cp "$policy" .promote/policy.json
git add .promote/policy.json
git commit -q -m "Add the promotion policy"
at 5
git merge -q --no-ff -m "Merge release into main" release

git checkout -q release
mkdir -p reports
cp "$here"/reports/*.xml "$here"/reports/*.sarif "$here"/reports/*.json reports/
printf 'reports/\n' > .git/info/exclude

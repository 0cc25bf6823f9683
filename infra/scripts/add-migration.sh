#!/usr/bin/env bash
# Adds an EF Core migration (PostgreSQL, the distributed mode's provider) to one service or to all.
#   infra/scripts/add-migration.sh NAME [screening|leads|cooperation]
# The standalone mode's SQLite files are created from the model itself (EnsureCreated).
set -euo pipefail
cd "$(dirname "$0")/../.."
name="${1:?usage: add-migration.sh NAME [service]}"
dotnet tool restore >/dev/null
for svc in ${2:-screening leads cooperation}; do
  case "$svc" in
    screening) proj=services/Screening/JinDu.Screening ;;
    leads) proj=services/Leads/JinDu.Leads ;;
    cooperation) proj=services/Cooperation/JinDu.Cooperation ;;
    *) echo "unknown service $svc" >&2; exit 2 ;;
  esac
  dotnet ef migrations add "$name" --project "$proj" --output-dir Infrastructure/Migrations
done

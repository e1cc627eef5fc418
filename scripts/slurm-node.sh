#!/usr/bin/env bash
# A one-node Slurm cluster for tests, as root without systemd (see ../shared/notes if it
# exists): `slurm-node.sh start DIR` installs slurm-wlm and munge when missing, writes
# DIR/slurm.conf, starts munged, slurmctld and slurmd and waits for the node to be idle;
# `slurm-node.sh stop DIR` stops the daemons it started. Commands need SLURM_CONF=DIR/slurm.conf.
set -euo pipefail
action=${1:?usage: slurm-node.sh start|stop DIR}
dir=${2:?usage: slurm-node.sh start|stop DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
export SLURM_CONF=$dir/slurm.conf

# Stops the daemons named (default: all three) that a pid file here says were started here.
stop() {
    local names=${*:-slurmd slurmctld munged}
    for name in $names; do
        if [ -f "$dir/$name.pid" ]; then
            kill "$(cat "$dir/$name.pid")" 2>/dev/null || true
            rm -f "$dir/$name.pid"
        fi
    done
}

if [ "$action" = stop ]; then
    stop
    exit 0
fi

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null || ! command -v sbatch >/dev/null; then
    echo "slurm-node: installing slurm-wlm and munge"
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update && apt-get install -y --no-install-recommends slurm-wlm munge; } >"$dir/apt.log" 2>&1; then
        tail -20 "$dir/apt.log" >&2
        echo "slurm-node: FAIL: cannot install slurm-wlm and munge (log: $dir/apt.log)" >&2
        exit 1
    fi
fi

# munge: a key, its folders owned by munge, the daemon (one already running is used).
mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
[ -f /etc/munge/munge.key ] || mungekey -c -k /etc/munge/munge.key
chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge
chmod 400 /etc/munge/munge.key
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    su -s /bin/sh munge -c /usr/sbin/munged || { echo "slurm-node: FAIL: munged did not start" >&2; exit 1; }
    for _ in $(seq 50); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.1; done
    # Started here, so stopped here too.
    cp /run/munge/munged.pid "$dir/munged.pid" 2>/dev/null || true
fi
munge -n | unmunge >/dev/null || { echo "slurm-node: FAIL: munge does not work" >&2; exit 1; }

host=$(hostname)
memory=$(( $(free -m | awk '/^Mem:/ {print $2}') * 9 / 10 ))
mkdir -p "$dir/state" "$dir/spool" "$dir/log"
cat >"$SLURM_CONF" <<CONF
ClusterName=longweave-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
MinJobAge=30
NodeName=$host CPUs=$(nproc) RealMemory=$memory State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

stop slurmd slurmctld
slurmctld
slurmd
for _ in $(seq 100); do
    state=$(sinfo -h -o %t 2>/dev/null | head -1 || true)
    [ "$state" = idle ] && { echo "slurm-node: node $host idle"; exit 0; }
    sleep 0.3
done
echo "slurm-node: FAIL: the node did not become idle (state '${state:-none}'); logs in $dir/log" >&2
tail -n 5 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
stop
exit 1

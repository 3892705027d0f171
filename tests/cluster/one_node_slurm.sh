#!/bin/bash
# one_node_slurm.sh start DIR | stop DIR: a one-node SLURM cluster on this
# machine, everything (munge key and socket, slurm.conf, state, logs, pid
# files) under DIR, nothing in /etc: Debian's slurm-wlm and munge, started
# by the cluster test and stopped after it. Clients reach it with
# SLURM_CONF=DIR/slurm.conf. Its partition is "mipshv".
set -eu
what=$1 dir=$(realpath -m "$2")
case $what in
start)
    mkdir -p "$dir/state" "$dir/spool" "$dir/log"
    chmod 700 "$dir"
    head -c 1024 /dev/urandom >"$dir/munge.key"
    chmod 400 "$dir/munge.key"
    munged --force --key-file="$dir/munge.key" --socket="$dir/munge.socket" --pid-file="$dir/munged.pid" \
        --log-file="$dir/log/munged.log" --seed-file="$dir/munge.seed"
    free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
    host=$(hostname -s)
    cpus=$(nproc)
    mem=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512))
    cat >"$dir/slurm.conf" <<CONF
ClusterName=mipshv
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=mipshv Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    export SLURM_CONF=$dir/slurm.conf
    slurmctld -f "$dir/slurm.conf"
    slurmd -f "$dir/slurm.conf"
    for _ in $(seq 100); do
        state=$(sinfo -h -N -o %T 2>/dev/null || true)
        case $state in idle*) echo "one_node_slurm: $host idle ($cpus CPUs), SLURM_CONF=$dir/slurm.conf"; exit 0 ;; esac
        sleep 0.2
    done
    echo "one_node_slurm: the node did not come up (state '${state:-none}'); logs in $dir/log" >&2
    exit 1
    ;;
stop)
    for pid in slurmd slurmctld munged; do
        [ -f "$dir/$pid.pid" ] && kill "$(cat "$dir/$pid.pid")" 2>/dev/null || true
    done
    ;;
*)
    echo "usage: one_node_slurm.sh start|stop DIR" >&2
    exit 2
    ;;
esac

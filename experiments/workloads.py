"""Console workloads the experiments run after the guest reaches its shell.
Each is a list of shell commands; the last powers the guest off."""

WORKLOADS = {
    # Boot to the shell, print the kernel release, power off.
    "boot": ["uname -a", "poweroff -f"],
    # Busybox applets and a CPU-bound shell loop. (Kernel messages off the
    # console first: "random: crng init done" comes after the loop's prompt,
    # which then never ends the output.)
    "busybox": ["dmesg -n 1", "ls /bin | wc -l", "md5sum /init", "cat /proc/interrupts",
                "i=0;s=0;while [ $i -lt 3000 ];do s=$((s+i*i));i=$((i+1));done;echo $s", "poweroff -f"],
}

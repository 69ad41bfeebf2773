import time

from django.core.management.base import BaseCommand, CommandError

from delegates import bench_data


class Command(BaseCommand):
    help = (
        "Load the benchmarks' data set (see bench/README.md): meetings "
        f"{bench_data.SLUG_PREFIX}NN of the JWG, twice a year, with delegations, "
        "fictional delegates, registrations in every status, badge codes and "
        "attendance, written in bulk. The last meeting has registration open, "
        "the one before is under way, and the one before that is the largest, "
        "with --attendance-rows records for the export benchmarks. Running it "
        "again with the same sizes changes nothing; other sizes need --reset."
    )

    def add_arguments(self, parser):
        defaults = bench_data.Sizes()
        parser.add_argument(
            "--meetings",
            type=int,
            default=defaults.meetings,
            help=f"How many meetings, at least 3. Default: {defaults.meetings}.",
        )
        parser.add_argument(
            "--registrations",
            type=int,
            default=defaults.registrations,
            help=(
                "How many registrations in all meetings together. Default: "
                f"{defaults.registrations}."
            ),
        )
        parser.add_argument(
            "--attendance-rows",
            type=int,
            default=defaults.attendance_rows,
            help=(
                "At least this many attendance records in the export meeting "
                f"(0: no such meeting). Default: {defaults.attendance_rows}."
            ),
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the benchmark data first, whatever sizes it has.",
        )

    def handle(self, *args, meetings, registrations, attendance_rows, reset, **opts):
        if min(meetings, registrations, attendance_rows) < 0:
            raise CommandError("Sizes cannot be negative.")
        sizes = bench_data.Sizes(meetings, registrations, attendance_rows)
        state = bench_data.seed_state(sizes) if meetings >= 3 else "absent"
        if not reset and state == "current":
            self.stdout.write(f"Benchmark data already seeded ({sizes.marker()}).")
            return
        if not reset and state == "stale":
            raise CommandError(
                "Benchmark data of other sizes, or whose registration window "
                f"has closed, is present ({bench_data.seeded_sizes()}); "
                "run again with --reset."
            )
        started = time.monotonic()
        if reset:
            bench_data.reset()
        try:
            written = bench_data.seed(sizes)
        except bench_data.SeedError as error:
            raise CommandError(str(error)) from error
        counts = ", ".join(f"{label} {count}" for label, count in written.items())
        self.stdout.write(
            f"Benchmark data seeded ({sizes.marker()}) in "
            f"{time.monotonic() - started:.1f} s: {counts}."
        )

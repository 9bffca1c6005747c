namespace Alavida.Grains.Platform;

/// <summary>A row of <c>public.jobs</c>.</summary>
internal sealed record JobRow(
    Guid Id, Guid TeamId, string ComponentSlug, string Action, string Status, string? Input, string? ResultPayload, string? UsageMetrics,
    string? Error, string? Progress, long PricePerUnit, long ReservedCredits, DateTime CreatedAt, DateTime? StartedAt, DateTime? EndedAt)
{
    public const string Columns =
        """
        id, team_id, component_slug, action, status, input::text AS input, result_payload::text AS result_payload,
        usage_metrics::text AS usage_metrics, error::text AS error, progress::text AS progress, price_per_unit,
        reserved_credits, created_at, started_at, ended_at
        """;

    public const string Select = $"SELECT {Columns} FROM jobs";

    /// <summary>
    /// <see cref="Columns"/> with the input left out (null), for a statement whose caller holds the input already: a
    /// job's input can be megabytes (25 meeting transcripts), and printing it back on every progress report cost the
    /// database and the client more than the update itself.
    /// </summary>
    public static readonly string ColumnsButInput = Columns.Contains("input::text AS input", StringComparison.Ordinal)
        ? Columns.Replace("input::text AS input", "NULL::text AS input", StringComparison.Ordinal)
        : throw new InvalidOperationException("JobRow.Columns no longer names the input as ColumnsButInput expects; keep the two in step.");

    /// <summary>
    /// The start time a job's grain took by the silo's clock (the placeholder <paramref name="startedAt"/>), kept between
    /// the job's creation and now by the database's, so another host's clock cannot put it outside the job's life. For
    /// an <c>UPDATE</c> of <c>jobs</c>.
    /// </summary>
    public static string StartedAtWithinLife(string startedAt) => $"least(greatest({startedAt}, jobs.created_at), now())";

    /// <summary>Succeeded, failed or cancelled (as <see cref="JobView.IsFinal"/>, without building the view).</summary>
    public bool IsFinal => Db.ParseStatus(Status) is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;

    public JobView ToView() => new(
        Id, TeamId, ComponentSlug, Action, Db.ParseStatus(Status), CreatedAt.Utc(), StartedAt.Utc(), EndedAt.Utc(),
        Input ?? "", ResultPayload, UsageMetrics, Error, Progress);
}

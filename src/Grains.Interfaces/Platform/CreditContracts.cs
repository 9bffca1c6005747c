namespace Alavida.Grains.Platform;

/// <summary>A team's credit account.</summary>
/// <param name="Balance">Spendable credits.</param>
/// <param name="Reserved">Credits held for accepted jobs that have not settled.</param>
/// <param name="LifetimeUsed">Credits ever charged.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.CreditBalance")]
public sealed record CreditBalance([property: Id(0)] long Balance, [property: Id(1)] long Reserved, [property: Id(2)] long LifetimeUsed);

/// <summary>One charge against a job's reservation.</summary>
/// <param name="Step">The step that consumed the credits (e.g. <c>resolve-company</c>).</param>
/// <param name="Units">Billable units.</param>
/// <param name="Amount">Credits charged.</param>
/// <param name="IdempotencyKey">Unique per charge: the same key never charges twice.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.CreditCharge")]
public sealed record CreditCharge([property: Id(0)] string Step, [property: Id(1)] int Units, [property: Id(2)] long Amount, [property: Id(3)] string IdempotencyKey);

/// <summary>The outcome of settling a job.</summary>
/// <param name="Charged">Credits charged by this job in all.</param>
/// <param name="Refunded">Credits returned from the reservation.</param>
/// <param name="AlreadySettled">True when the job had been settled before (nothing changed this time).</param>
/// <param name="Balance">The account afterwards.</param>
/// <param name="Job">
/// The job as it now stands (final), without its input (<see cref="JobView.InputJson"/> is empty): the job's grain, which
/// settles it, holds the input, and an input of megabytes need not come back from the database with every settlement.
/// </param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.Settlement")]
public sealed record Settlement(
    [property: Id(0)] long Charged,
    [property: Id(1)] long Refunded,
    [property: Id(2)] bool AlreadySettled,
    [property: Id(3)] CreditBalance Balance,
    [property: Id(4)] JobView Job);

/// <summary>One job to settle: its charges and how it ended.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Charges">Its usage (each idempotent by its key).</param>
/// <param name="Finish">Its final status and result or error.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.JobSettlement")]
public sealed record JobSettlement([property: Id(0)] Guid JobId, [property: Id(1)] IReadOnlyList<CreditCharge> Charges, [property: Id(2)] JobFinish Finish);

/// <summary>How a job ends, written in the same transaction as its settlement.</summary>
/// <param name="Status">Succeeded, failed or cancelled.</param>
/// <param name="ResultJson">The result, when succeeded.</param>
/// <param name="MetricsJson">Quantum-specific usage figures (a JSON object) to merge into the job's usage.</param>
/// <param name="ErrorJson">The error, when failed or cancelled.</param>
/// <param name="StartedAt">When the job started, if it did (its start is written with its finish when not before).</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.JobFinish")]
public sealed record JobFinish(
    [property: Id(0)] JobStatus Status,
    [property: Id(1)] string? ResultJson,
    [property: Id(2)] string? MetricsJson,
    [property: Id(3)] string? ErrorJson,
    [property: Id(4)] DateTimeOffset? StartedAt = null);

/// <summary>Credits granted by a platform admin.</summary>
/// <param name="Credits">How many (positive).</param>
/// <param name="IdempotencyKey">A retried grant with the same key adds nothing.</param>
/// <param name="Note">Why, for the audit trail.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.CreditGrant")]
public sealed record CreditGrant([property: Id(0)] long Credits, [property: Id(1)] string IdempotencyKey, [property: Id(2)] string? Note);

/// <summary>
/// The single writer of a team's credits: reserves at job acceptance (writing the job in the same transaction),
/// settles actual usage, refunds the rest. The database backs every invariant too (balance never negative).
/// </summary>
[Alias("Alavida.Platform.ITeamGrain")]
public interface ITeamGrain : IGrainWithGuidKey
{
    /// <summary>Accepts a job if the balance covers its reservation (or replays an idempotent submission).</summary>
    [Alias("AcceptJob")]
    Task<JobAcceptance> AcceptJobAsync(JobSubmission submission);

    /// <summary>
    /// Accepts several submissions of this team, committed together (one round trip, one commit): each answer is the
    /// one <see cref="AcceptJobAsync"/> would give if the submissions came one by one in this order. All or nothing on
    /// failure: when the call throws, none of them was accepted.
    /// </summary>
    [Alias("AcceptJobs")]
    Task<IReadOnlyList<JobAcceptance>> AcceptJobsAsync(IReadOnlyList<JobSubmission> submissions);

    /// <summary>
    /// Charges a job's usage (idempotent per charge), refunds the rest of its reservation and writes its final status,
    /// all in one transaction and only once: a replay changes nothing and returns the job as it was finished.
    /// </summary>
    [Alias("SettleJob")]
    Task<Settlement> SettleJobAsync(Guid jobId, IReadOnlyList<CreditCharge> charges, JobFinish finish);

    /// <summary>
    /// Settles several jobs of this team, committed together (one round trip, one commit); each answer is the one
    /// <see cref="SettleJobAsync"/> would give. All or nothing on failure, and safe to retry.
    /// </summary>
    [Alias("SettleJobs")]
    Task<IReadOnlyList<Settlement>> SettleJobsAsync(IReadOnlyList<JobSettlement> settlements);

    /// <summary>
    /// Charges a run of a cascade straight from the balance (runs hold no reservation), idempotent by the charge's key,
    /// and within the trace's <c>max_credits</c> when the request that started the trace set one.
    /// </summary>
    [Alias("ChargeRun")]
    Task<RunChargeResult> ChargeRunAsync(RunCharge charge);

    /// <summary>
    /// Lowers a running job's reservation to <paramref name="keep"/> credits once it knows its real cost, giving the
    /// rest back to the balance and to its trace's budget (so the cascade it starts may spend it). Settlement then
    /// charges within the lowered reservation. Nothing changes for a settled job or when it holds no more than that.
    /// </summary>
    [Alias("ReleaseReservation")]
    Task<CreditBalance> ReleaseReservationAsync(Guid jobId, long keep);

    /// <summary>The account as it stands.</summary>
    [Alias("GetCredits")]
    Task<CreditBalance> GetCreditsAsync();

    /// <summary>Adds credits (idempotent by the grant's key).</summary>
    [Alias("Grant")]
    Task<CreditBalance> GrantAsync(CreditGrant grant);

    /// <summary>
    /// Applies a verified Stripe event to the team's purchase and credits in one transaction, exactly once: by the
    /// event's id (a redelivery changes nothing) and by the purchase's state (a second event for a paid purchase
    /// credits nothing). A refund takes back the refunded credits up to the balance; the rest is recorded as a shortfall.
    /// </summary>
    [Alias("ApplyStripeNotice")]
    Task<Billing.StripeNoticeOutcome> ApplyStripeNoticeAsync(Billing.StripeNotice notice);

    /// <summary>The team's billing settings.</summary>
    [Alias("GetBillingSettings")]
    Task<Billing.BillingSettings> GetBillingSettingsAsync();

    /// <summary>
    /// Saves the billing settings; a balance already below the new threshold counts as a crossing. Auto top-up needs a
    /// paid checkout first (its payment method is the one used off-session).
    /// </summary>
    [Alias("UpdateBillingSettings")]
    Task<Billing.SettingsOutcome> UpdateBillingSettingsAsync(Billing.BillingSettings settings);

    /// <summary>Credits bought, and whether the balance is below the team's threshold.</summary>
    [Alias("GetBillingStatus")]
    Task<Billing.BillingStatus> GetBillingStatusAsync();

    /// <summary>The account as it stands with its billing status, in one call (what <c>GET /credits</c> shows).</summary>
    [Alias("GetAccount")]
    Task<TeamAccount> GetAccountAsync();
}

/// <summary>A team's credit account with what billing knows about it.</summary>
/// <param name="Credits">Balance, reserved, lifetime used.</param>
/// <param name="Billing">Credits bought, low-balance threshold and state, refund shortfall.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.TeamAccount")]
public sealed record TeamAccount([property: Id(0)] CreditBalance Credits, [property: Id(1)] Billing.BillingStatus Billing);

/// <summary>Credits used by one job.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Quantum">Its quantum.</param>
/// <param name="Action">Its action.</param>
/// <param name="Units">Billable units charged.</param>
/// <param name="Credits">Credits charged.</param>
/// <param name="ChargedAt">When the (last) charge was made.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.JobUsage")]
public sealed record JobUsage(
    [property: Id(0)] Guid JobId,
    [property: Id(1)] string Quantum,
    [property: Id(2)] string Action,
    [property: Id(3)] long Units,
    [property: Id(4)] long Credits,
    [property: Id(5)] DateTimeOffset ChargedAt);

/// <summary>Credits used per quantum.</summary>
/// <param name="Quantum">The quantum.</param>
/// <param name="Jobs">Jobs whose first charge in this quantum falls in the period (a job charged on several days counts once, on its first).</param>
/// <param name="Units">Units charged.</param>
/// <param name="Credits">Credits charged.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.QuantumUsage")]
public sealed record QuantumUsage([property: Id(0)] string Quantum, [property: Id(1)] long Jobs, [property: Id(2)] long Units, [property: Id(3)] long Credits);

/// <summary>A charge for the work of one mesh run in a cascade.</summary>
/// <param name="TraceId">The cascade's trace id (32 hex digits); its budget, if any, caps the charge.</param>
/// <param name="JobId">The job that started the cascade, when known (usage is listed under it).</param>
/// <param name="RunId">The run that did the work.</param>
/// <param name="Quantum">The quantum that did the work.</param>
/// <param name="Step">What was charged (e.g. <c>discover</c>).</param>
/// <param name="Units">Billable units.</param>
/// <param name="Amount">Credits (positive).</param>
/// <param name="IdempotencyKey">Unique per charge: a retried run never pays twice.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.RunCharge")]
public sealed record RunCharge(
    [property: Id(0)] string TraceId,
    [property: Id(1)] Guid? JobId,
    [property: Id(2)] Guid RunId,
    [property: Id(3)] string Quantum,
    [property: Id(4)] string Step,
    [property: Id(5)] int Units,
    [property: Id(6)] long Amount,
    [property: Id(7)] string IdempotencyKey);

/// <summary>How a run's charge ended.</summary>
public enum RunChargeOutcome
{
    /// <summary>Charged now.</summary>
    Charged,

    /// <summary>Charged before with the same key; nothing changed.</summary>
    AlreadyCharged,

    /// <summary>The trace's <c>max_credits</c> would be exceeded; nothing charged.</summary>
    SpendCapReached,

    /// <summary>The balance does not cover it; nothing charged.</summary>
    InsufficientCredits,
}

/// <summary>The outcome of <see cref="ITeamGrain.ChargeRunAsync"/>.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="MaxCredits">The trace's cap, when it has one.</param>
/// <param name="Committed">Credits the trace had committed (reserved or charged) before this charge, when capped.</param>
[GenerateSerializer, Immutable, Alias("Alavida.Platform.RunChargeResult")]
public sealed record RunChargeResult([property: Id(0)] RunChargeOutcome Outcome, [property: Id(1)] long? MaxCredits, [property: Id(2)] long? Committed)
{
    /// <summary>True when the work is paid for (now or earlier).</summary>
    public bool IsPaid => Outcome is RunChargeOutcome.Charged or RunChargeOutcome.AlreadyCharged;
}

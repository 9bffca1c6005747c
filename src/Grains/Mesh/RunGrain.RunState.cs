namespace Alavida.Grains.Mesh;

/// <summary>The run as its grain holds it between executions.</summary>
public sealed partial class RunGrain
{
    private sealed class RunState(
        Guid runId, string functionId, MeshEvent @event, string status, int attempts, DateTimeOffset createdAt, DateTimeOffset? startedAt,
        Guid? parentRunId, string? parentStepId, IReadOnlyList<string> gateKeys, Dictionary<string, StepRow> memo)
    {
        public Guid RunId { get; } = runId;

        public string FunctionId { get; } = functionId;

        public MeshEvent Event { get; } = @event;

        public string Status { get; set; } = status;

        public int Attempts { get; set; } = attempts;

        public DateTimeOffset CreatedAt { get; } = createdAt;

        public DateTimeOffset? StartedAt { get; set; } = startedAt;

        public Guid? ParentRunId { get; } = parentRunId;

        public string? ParentStepId { get; } = parentStepId;

        public IReadOnlyList<string> GateKeys { get; } = gateKeys;

        public Dictionary<string, StepRow> Memo { get; } = memo;
    }
}

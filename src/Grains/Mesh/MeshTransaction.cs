using Npgsql;

namespace Alavida.Grains.Mesh;

/// <summary>
/// The transaction of a <see cref="MeshContext.RunInTransaction{T}"/> step: run SQL on <see cref="Connection"/> in
/// <see cref="Transaction"/> (do not commit or roll back: the step does), and send events that commit with it.
/// </summary>
public sealed class MeshTransaction
{
    private readonly List<MeshEvent> _events = [];

    internal MeshTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction) => (Connection, Transaction) = (connection, transaction);

    /// <summary>The connection the transaction is on.</summary>
    public NpgsqlConnection Connection { get; }

    /// <summary>The step's transaction.</summary>
    public NpgsqlTransaction Transaction { get; }

    internal IReadOnlyList<MeshEvent> Events => _events;

    /// <summary>Sends events when the transaction commits (ids default to stable ones from the run and step).</summary>
    public void SendEvent(params MeshEvent[] events) => _events.AddRange(events);
}

using Alavida.Grains.Data;
using NpgsqlTypes;

namespace Alavida.Tests.Platform;

public sealed class PositionalSqlTests
{
    [Fact]
    public void NamedPlaceholders_BecomePositions_InTheGivenOrder_EveryUseOfThem_AndNothingElse()
    {
        var sql = PositionalSql.Of(
            "SELECT @b, @a::text, @ab FROM t WHERE data @> '{}' AND x = @b AND y = @a",
            "a", "b", "ab");

        Assert.Equal("SELECT $2, $1::text, $3 FROM t WHERE data @> '{}' AND x = $2 AND y = $1", sql);
    }

    [Fact]
    public void APlaceholderWithoutAPosition_OrANameNotInTheStatement_IsRefused()
    {
        Assert.Contains("@b", Assert.Throws<ArgumentException>(() => PositionalSql.Of("SELECT @a, @b", "a")).Message);
        Assert.Contains("@c", Assert.Throws<ArgumentException>(() => PositionalSql.Of("SELECT @a", "a", "c")).Message);
    }

    [Fact]
    public void ACommand_HoldsItsUnnamedParameters_InOrder_AndANullGoesAsSqlNullOfItsType()
    {
        var command = PositionalSql.Command("SELECT $1, $2, $3", PositionalSql.Value(7L), PositionalSql.OrNull(null, NpgsqlDbType.Uuid), PositionalSql.OrNull("x", NpgsqlDbType.Text));

        Assert.Equal([7L, DBNull.Value, "x"], command.Parameters.Select(p => p.Value));
        Assert.All(command.Parameters, p => Assert.Equal("", p.ParameterName));
        Assert.Equal(NpgsqlDbType.Uuid, command.Parameters[1].NpgsqlDbType);
    }
}

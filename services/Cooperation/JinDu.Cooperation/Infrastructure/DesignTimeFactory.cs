namespace JinDu.Cooperation.Infrastructure;

internal sealed class DesignTimeFactory : JinDu.BuildingBlocks.Data.PostgresDesignTimeFactory<CooperationDbContext>;

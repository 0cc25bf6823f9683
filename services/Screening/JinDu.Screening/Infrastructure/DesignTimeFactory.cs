namespace JinDu.Screening.Infrastructure;

internal sealed class DesignTimeFactory : JinDu.BuildingBlocks.Data.PostgresDesignTimeFactory<ScreeningDbContext>;

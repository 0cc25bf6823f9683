using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace JinDu.Screening.Infrastructure.Migrations
{
    /// <inheritdoc />
    public partial class InspectionIdsFromSequence : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateSequence(
                name: "inspections_hilo",
                incrementBy: 10);

            // The sequence hands out blocks of ten from its next value: start it above every inspection already stored.
            migrationBuilder.Sql("""SELECT setval('inspections_hilo', COALESCE((SELECT max("Id") FROM inspections), 0) + 1, false);""");

            migrationBuilder.AlterColumn<long>(
                name: "Id",
                table: "inspections",
                type: "bigint",
                nullable: false,
                oldClrType: typeof(long),
                oldType: "bigint")
                .OldAnnotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropSequence(
                name: "inspections_hilo");

            migrationBuilder.AlterColumn<long>(
                name: "Id",
                table: "inspections",
                type: "bigint",
                nullable: false,
                oldClrType: typeof(long),
                oldType: "bigint")
                .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn);
        }
    }
}

import { Module } from '@nestjs/common';
import { AdmissionModule } from '../admission/admission.module';
import { AdminCatalogController, CatalogController } from './catalog.controller';
import { CatalogRepository } from './catalog.repository';
import { CatalogService } from './catalog.service';
import { AdminZonesController, ZonesController } from './zones/zones.controller';
import { ZonesRepository } from './zones/zones.repository';
import { ZonesService } from './zones/zones.service';

@Module({
  imports: [AdmissionModule],
  controllers: [CatalogController, AdminCatalogController, ZonesController, AdminZonesController],
  providers: [CatalogService, CatalogRepository, ZonesService, ZonesRepository],
  exports: [CatalogService, ZonesService],
})
export class CatalogModule {}
